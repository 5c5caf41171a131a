# A typical IAM layout, applied against iamd by e2e/terraform.sh: a policy
# attached to a group, a CI user in the group with an access key, a Lambda
# role with a trust policy built by aws_iam_policy_document, an instance
# profile, a user with a permissions boundary, inline policies and tags.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }

# Changing it makes a second apply create a new default policy version.
variable "artifacts_bucket" {
  type    = string
  default = "artifacts"
}

provider "aws" {
  region                      = "us-east-1"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}

data "aws_caller_identity" "me" {}

data "aws_iam_policy_document" "artifacts_read" {
  statement {
    sid       = "ReadArtifacts"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.artifacts_bucket}", "arn:aws:s3:::${var.artifacts_bucket}/*"]
  }
}

resource "aws_iam_policy" "artifacts_read" {
  name        = "artifacts-read"
  path        = "/ci/"
  description = "Read the build artifacts"
  policy      = data.aws_iam_policy_document.artifacts_read.json
  tags        = { team = "platform" }
}

resource "aws_iam_group" "deployers" {
  name = "deployers"
  path = "/ci/"
}

resource "aws_iam_group_policy_attachment" "deployers_read" {
  group      = aws_iam_group.deployers.name
  policy_arn = aws_iam_policy.artifacts_read.arn
}

resource "aws_iam_group_policy" "deployers_inline" {
  name  = "describe-instances"
  group = aws_iam_group.deployers.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:DescribeInstances", Resource = "*" }]
  })
}

resource "aws_iam_user" "ci" {
  name = "ci-bot"
  path = "/ci/"
  tags = { owner = "platform", purpose = "deploys" }
}

resource "aws_iam_user_group_membership" "ci" {
  user   = aws_iam_user.ci.name
  groups = [aws_iam_group.deployers.name]
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

resource "aws_iam_policy" "boundary" {
  name   = "developer-boundary"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:*", "cloudwatch:*", "ec2:*"], Resource = "*" }]
  })
}

resource "aws_iam_user" "dev" {
  name                 = "dev-alice"
  permissions_boundary = aws_iam_policy.boundary.arn
  force_destroy        = true
}

resource "aws_iam_user_login_profile" "dev" {
  user                    = aws_iam_user.dev.name
  password_length         = 20
  password_reset_required = true
}

resource "aws_iam_user_policy" "dev_inline" {
  name = "own-prefix"
  user = aws_iam_user.dev.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "arn:aws:s3:::home/$${aws:username}/*" }]
  })
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name                 = "report-builder"
  path                 = "/service/"
  description          = "Builds the nightly reports"
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  max_session_duration = 7200
  tags                 = { app = "reports" }
}

resource "aws_iam_role_policy_attachment" "lambda_logs" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "lambda_inline" {
  name = "write-reports"
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::reports/*" }]
  })
}

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "web" {
  name               = "web-server"
  assume_role_policy = data.aws_iam_policy_document.ec2_trust.json
}

resource "aws_iam_instance_profile" "web" {
  name = "web-server"
  role = aws_iam_role.web.name
}

output "account_id" { value = data.aws_caller_identity.me.account_id }
output "ci_access_key" { value = aws_iam_access_key.ci.id }
output "lambda_role_arn" { value = aws_iam_role.lambda.arn }
