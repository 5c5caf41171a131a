package analysis

// Runner is an existing resource that runs code as a role: a Lambda
// function, an EC2 instance (its instance profile's role), a Glue dev
// endpoint, a SageMaker notebook ... Whoever can change what it runs, or
// reach inside it, acts with the role (the catalogue's existing-passrole
// paths). A dump does not show them; the resource policies lines do
// ("role"), and a live server's gateway lists its functions'.
type Runner struct {
	ARN  string
	Role string
}
