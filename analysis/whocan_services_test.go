package analysis

import (
	"strings"
	"testing"
)

// who-can's chains know every way in escalation knows: passing a role to
// Step Functions (not one of the seven services who-can's own table held)
// and EC2 Spot requests are found; without one of the actions they are not.
func TestWhoCanServicesFromEscalationTable(t *testing.T) {
	cases := []struct {
		name, role, service string
		perms               []catPerm
	}{
		{"step functions", "svc-states", "states.amazonaws.com", []catPerm{perm("iam:PassRole", catARN("role", "svc-states")),
			perm("states:CreateStateMachine", "arn:aws:states:us-east-1:"+catAcct+":stateMachine:app-*"), perm("states:StartExecution", "arn:aws:states:us-east-1:"+catAcct+":stateMachine:app-*")}},
		{"spot instances", "svc-ec2", "ec2.amazonaws.com", []catPerm{perm("iam:PassRole", catARN("role", "svc-ec2")), perm("ec2:RequestSpotInstances")}},
		{"app runner", "svc-apprunner", "tasks.apprunner.amazonaws.com", []catPerm{perm("iam:PassRole", catARN("role", "svc-apprunner")), perm("apprunner:CreateService")}},
	}
	through := func(perms []catPerm) string {
		a, err := NewAccount(catAccount(perms, false))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range BuildGraph(a).WhoCan("iam:CreateUser", catARN("user", "new"), nil) {
			if r.Principal == catARN("user", "attacker") {
				return r.Through
			}
		}
		return ""
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := through(c.perms); !strings.Contains(got, c.service) {
				t.Fatalf("attacker not listed through %s: %q", c.service, got)
			}
			for _, p := range c.perms {
				if got := through(without(c.perms, p.action)); got != "" {
					t.Errorf("without %s: still listed through %q", p.action, got)
				}
			}
		})
	}
}
