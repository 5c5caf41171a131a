package analysis

import "testing"

func TestCheckAction(t *testing.T) {
	tests := []struct {
		action  string
		known   bool
		closest string
	}{
		{"s3:GetObject", true, ""},
		{"S3:getobject", true, ""},
		{"s3:Get*", true, ""},
		{"s3:GetObjekt", false, "s3:GetObject"},
		{"iam:CreateAccesKey", false, "iam:CreateAccessKey"},
		{"s4:GetObject", false, "s3:GetObject"},
		{"s3:Fly*", false, ""},
		{"s3:CompletelyDifferentThing", false, ""},
		{"nonsense", false, ""},
	}
	for _, tt := range tests {
		known, closest := CheckAction(tt.action)
		if known != tt.known || closest != tt.closest {
			t.Errorf("CheckAction(%q) = %v, %q; want %v, %q", tt.action, known, closest, tt.known, tt.closest)
		}
	}
}
