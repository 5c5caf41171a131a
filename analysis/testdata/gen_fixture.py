import json
A="111122223333"
def arn(t,n,path="/"): return f"arn:aws:iam::{A}:{t.rstrip('/')}{path}{n}"
def doc(*stmts): return {"Version":"2012-10-17","Statement":list(stmts)}
def S(effect,action,resource,sid=None,cond=None,**kw):
    s={"Effect":effect,"Action":action,"Resource":resource}
    if sid: s={"Sid":sid,**s}
    if cond: s["Condition"]=cond
    s.update(kw); return s
AWSP=lambda n,path="/": {"PolicyName":n,"PolicyArn":f"arn:aws:iam::aws:policy{path}{n}"}
CP=lambda n: {"PolicyName":n,"PolicyArn":arn("policy","/"+n,"")}
date="2025-03-04T10:00:00+00:00"
ids=iter(range(10**6))
def uid(p): return p+"%017d"%next(ids)
policies={
 "DevAccess": doc(S("Allow",["s3:GetObject","s3:PutObject","s3:ListBucket"],["arn:aws:s3:::app-data","arn:aws:s3:::app-data/*"],sid="AppData"),
                  S("Allow","lambda:Get*","*",sid="LambdaRead"),
                  S("Allow","sts:AssumeRole",arn("role/","dev-*"),sid="AssumeDev")),
 "DeployPolicy": doc(S("Allow",["lambda:CreateFunction","lambda:UpdateFunctionCode","lambda:InvokeFunction","lambda:GetFunction"],"*",sid="Lambda"),
                     S("Allow","iam:PassRole",arn("role/","lambda-*"),sid="PassLambdaRoles"),
                     S("Allow","s3:PutObject","arn:aws:s3:::artifacts/*",sid="Artifacts")),
 "OpsAssume": doc(S("Allow","sts:AssumeRole",arn("role/","admin-role"),sid="BreakGlass")),
 "IvanSelfService": doc(S("Allow",["iam:CreatePolicyVersion","iam:GetPolicy"],arn("policy","/IvanSelfService",""),sid="OwnPolicy"),
                        S("Allow","s3:ListAllMyBuckets","*")),
 "AppTableAccess": doc(S("Allow",["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],f"arn:aws:dynamodb:us-east-1:{A}:table/app",sid="Table"),
                       S("Allow",["logs:CreateLogStream","logs:PutLogEvents"],f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/app:*")),
}
groups=[
 ("admins",[AWSP("AdministratorAccess")],[]),
 ("developers",[CP("DevAccess")],[]),
 ("deployers",[CP("DeployPolicy")],[]),
 ("readonly",[AWSP("ReadOnlyAccess")],[]),
 ("ops",[CP("OpsAssume"),AWSP("ReadOnlyAccess")],[]),
 ("iam-helpers",[],[("KeyHelpers",doc(S("Allow",["iam:CreateAccessKey","iam:ListAccessKeys"],arn("user/","*"),sid="Keys")))]),
]
users=[
 ("alice",["admins"],[],[]),
 ("bob",["developers"],[],[]),
 ("carol",["developers","ops"],[],[]),
 ("dave",["deployers"],[],[]),
 ("ci-deploy",["deployers"],[],[("CIArtifacts",doc(S("Allow",["s3:PutObject","s3:GetObject"],"arn:aws:s3:::artifacts/*",sid="Artifacts"),
                                                  S("Allow","sts:AssumeRole",arn("role","ci-role","/ci/"))))]),
 ("erin",["readonly"],[],[]),
 ("frank",[],[AWSP("AmazonS3FullAccess")],[]),
 ("grace",["iam-helpers"],[],[]),
 ("heidi",["readonly"],[],[("SelfAdmin",doc(S("Allow",["iam:AttachUserPolicy","iam:ListAttachedUserPolicies"],arn("user/","heidi"),sid="Self")))]),
 ("ivan",["readonly"],[CP("IvanSelfService")],[]),
 ("judy",["readonly"],[],[("TrustEditor",doc(S("Allow","iam:UpdateAssumeRolePolicy",arn("role/","admin-role"),sid="Trust")))]),
 ("mallory",["readonly"],[],[("Launcher",doc(S("Allow",["ec2:RunInstances","ec2:Describe*"],"*",sid="Run"),
                                            S("Allow","iam:PassRole","*",sid="PassAny")))]),
 ("oscar",["developers"],[],[("Sloppy",doc(S("Allow",["s3:GetObjekt","s3:GetObject"],"arn:aws:s3:::reports/*",sid="Typo"),
                                          S("Allow","ec2:StartInstances","arn:aws:s3:::reports",sid="WrongResource"),
                                          S("Allow","s3:GetObject","arn:aws:s3:::reports/*",sid="Again"),
                                          S("Allow","kms:Decrypt",f"arn:aws:kms:us-east-1:{A}:key/*",sid="WrongKey",cond={"StringEquals":{"s3:prefix":"home/"}}),
                                          S("Allow","iam:*","*",sid="IamAll")))]),
 ("peggy",["readonly"],[],[("NoS3",doc(S("Allow","s3:GetObject","arn:aws:s3:::app-data/*",sid="Read"),
                                       S("Deny","s3:*","*",sid="DenyS3")))]),
 ("trent",["readonly"],[],[("GroupManager",doc(S("Allow","iam:AddUserToGroup",arn("group/","*"),sid="Groups")))]),
 ("victor",["developers"],[],[]),
 ("walter",["readonly"],[],[]),
 ("xena",["developers"],[],[]),
 ("yusuf",["ops"],[],[]),
 ("zoe",["readonly"],[],[]),
 ("nina",["readonly"],[],[("AdminWithMFA",doc(S("Allow","*","*",sid="MFA",cond={"Bool":{"aws:MultiFactorAuthPresent":"true"}})))]),
 ("svc-backup",[],[],[("Backup",doc(S("Allow",["s3:GetObject","s3:ListBucket"],["arn:aws:s3:::app-data","arn:aws:s3:::app-data/*"])))]),
 ("bounded-bea",["iam-helpers"],[],[("SelfAttach",doc(S("Allow","iam:AttachUserPolicy",arn("user/","bounded-bea"))))]),
]
def trust(*stmts): return doc(*stmts)
def T(principal,action="sts:AssumeRole",cond=None):
    s={"Effect":"Allow","Principal":principal,"Action":action}
    if cond: s["Condition"]=cond
    return s
roles=[
 ("admin-role",trust(T({"AWS":f"arn:aws:iam::{A}:root"})),[AWSP("AdministratorAccess")],[],[],"/"),
 ("lambda-app",trust(T({"Service":"lambda.amazonaws.com"})),[CP("AppTableAccess"),AWSP("AWSLambdaBasicExecutionRole","/service-role/")],[],[],"/"),
 ("lambda-admin",trust(T({"Service":"lambda.amazonaws.com"})),[AWSP("AdministratorAccess")],[],[],"/"),
 ("ec2-web",trust(T({"Service":"ec2.amazonaws.com"})),[AWSP("AmazonS3ReadOnlyAccess")],[],["web-profile"],"/"),
 ("ec2-admin",trust(T({"Service":"ec2.amazonaws.com"})),[AWSP("AdministratorAccess")],[],["ops-profile"],"/"),
 ("cross-account-audit",trust(T({"AWS":"arn:aws:iam::444455556666:root"},cond={"StringEquals":{"sts:ExternalId":"audit-7f3a"}})),[AWSP("SecurityAudit")],[],[],"/"),
 ("partner-role",trust(T({"AWS":"arn:aws:iam::777788889999:root"})),[],[("PartnerRead",doc(S("Allow",["s3:GetObject","s3:ListBucket"],["arn:aws:s3:::partner-exchange","arn:aws:s3:::partner-exchange/*"])))],[],"/"),
 ("public-role",trust(T("*")),[],[("Public",doc(S("Allow","s3:GetObject","arn:aws:s3:::public-assets/*")))],[],"/"),
 ("ci-role",trust(T({"AWS":arn("user/","ci-deploy")})),[],[("Deploy",doc(S("Allow",["s3:PutObject","s3:DeleteObject"],"arn:aws:s3:::website/*"),
                                                                         S("Allow","cloudfront:CreateInvalidation","*")))],[],"/ci/"),
 ("github-deploy",trust(T({"Federated":f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"},"sts:AssumeRoleWithWebIdentity",
     cond={"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:example/app:ref:refs/heads/main"}})),
     [],[("Deploy",doc(S("Allow","s3:PutObject","arn:aws:s3:::website/*")))],[],"/"),
 ("github-any",trust(T({"Federated":f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"},"sts:AssumeRoleWithWebIdentity",
     cond={"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}})),
     [],[("Deploy",doc(S("Allow","s3:PutObject","arn:aws:s3:::website/*")))],[],"/"),
 ("dev-sandbox",trust(T({"AWS":f"arn:aws:iam::{A}:root"})),[AWSP("PowerUserAccess")],[],[],"/"),
]
bea_boundary={"PermissionsBoundaryType":"PermissionsBoundaryPolicy","PermissionsBoundaryArn":arn("policy","/DevAccess","")}
out={"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}
for name,attached,inline in groups:
    g={"Path":"/","GroupName":name,"GroupId":uid("AGPA"),"Arn":arn("group/",name),"CreateDate":date,
       "GroupPolicyList":[{"PolicyName":n,"PolicyDocument":d} for n,d in inline],"AttachedManagedPolicies":attached}
    out["GroupDetailList"].append(g)
for name,gs,attached,inline in users:
    u={"Path":"/","UserName":name,"UserId":uid("AIDA"),"Arn":arn("user/",name),"CreateDate":date,
       "UserPolicyList":[{"PolicyName":n,"PolicyDocument":d} for n,d in inline],"GroupList":gs,"AttachedManagedPolicies":attached,"Tags":[]}
    if name=="bounded-bea": u["PermissionsBoundary"]=bea_boundary
    if name=="ci-deploy": u["Tags"]=[{"Key":"team","Value":"platform"}]
    out["UserDetailList"].append(u)
for name,tr,attached,inline,profiles,path in roles:
    r={"Path":path,"RoleName":name,"RoleId":uid("AROA"),"Arn":arn("role",name,path),"CreateDate":date,"AssumeRolePolicyDocument":tr,
       "InstanceProfileList":[{"Path":"/","InstanceProfileName":p,"InstanceProfileId":uid("AIPA"),"Arn":arn("instance-profile/",p),"CreateDate":date,
          "Roles":[{"Path":path,"RoleName":name,"RoleId":"","Arn":arn("role",name,path),"CreateDate":date,"AssumeRolePolicyDocument":tr}]} for p in profiles],
       "RolePolicyList":[{"PolicyName":n,"PolicyDocument":d} for n,d in inline],"AttachedManagedPolicies":attached,"Tags":[],"RoleLastUsed":{}}
    for ip in r["InstanceProfileList"]: ip["Roles"][0]["RoleId"]=r["RoleId"]
    out["RoleDetailList"].append(r)
for name,d in policies.items():
    out["Policies"].append({"PolicyName":name,"PolicyId":uid("ANPA"),"Arn":arn("policy","/"+name,""),"Path":"/","DefaultVersionId":"v1",
       "AttachmentCount":1,"PermissionsBoundaryUsageCount":1 if name=="DevAccess" else 0,"IsAttachable":True,"CreateDate":date,"UpdateDate":date,
       "PolicyVersionList":[{"Document":d,"VersionId":"v1","IsDefaultVersion":True,"CreateDate":date}]})
json.dump(out,open("account.json","w"),indent=4)
