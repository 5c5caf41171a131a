package iam

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/catalog"
	"github.com/iamd/iamd/policy"
)

// Service last accessed data (IAM's access advisor): when each user and
// role last made an authenticated request to each service, allowed or
// not, as AWS counts it; and the report jobs over it.
const (
	kindServiceAccess = "service-access" // entity kind | entity id | service
	kindAccessJob     = "access-job"     // job id
)

// serviceAccess is an entity's last request to a service.
type serviceAccess struct {
	Last   time.Time `json:"last"`
	Region string    `json:"region,omitempty"`
	ARN    string    `json:"arn"`
}

// RecordServiceAccess notes a request of a user or role (kind "user" or
// "role", by unique id) to a service. Callers throttle it, as for keys.
func (s *Service) RecordServiceAccess(ctx context.Context, account, kind, id, entityARN, service, region string, at time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		return putJSON(tx, account, kindServiceAccess, key(kind, id, lower(service)),
			&serviceAccess{Last: at.UTC().Truncate(time.Second), Region: region, ARN: entityARN})
	})
}

// accessKey is an entity's service in the throttle of NoteServiceAccess:
// a struct, so that looking it up builds nothing.
type accessKey struct{ account, kind, id, service string }

// NoteServiceAccess records, at most once a minute per entity and
// service and without delaying the request, that a user or role session
// made a request for action (service:Action). Other callers are not
// tracked, as on AWS.
func (s *Service) NoteServiceAccess(c *Caller, action string) {
	kind, id := "user", c.UserID
	switch {
	case c.Root:
		return
	case c.Session != nil && c.Session.Type == SessionAssumedRole:
		kind, id = "role", c.Session.RoleID
	case c.Session != nil && c.Session.Type == SessionFederatedUser, c.UserName == "":
		return
	}
	service, _, _ := strings.Cut(action, ":")
	now := c.Time
	if now.IsZero() {
		now = s.now()
	}
	k := accessKey{c.Account, kind, id, lower(service)}
	if last, ok := s.accessNoted.Get(k); ok && now.Sub(last) < time.Minute {
		return
	}
	s.accessNoted.Put(k, now)
	entityARN := c.ARN
	if kind == "role" {
		entityARN = arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "role" + c.Session.RolePath + c.Session.RoleName}.String()
	}
	account, region := c.Account, c.Region
	if !s.background.Go("service-last-accessed", func(ctx context.Context) error {
		return s.RecordServiceAccess(ctx, account, kind, id, entityARN, service, region, now)
	}) {
		s.accessNoted.Remove(k) // dropped: let the next request try again
	}
}

// accessJob is a finished report.
type accessJob struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"` // SERVICE_LEVEL | ACTION_LEVEL
	Created   time.Time       `json:"created"`
	Completed time.Time       `json:"completed"`
	Services  []accessService `json:"services"`
}

type accessService struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	Entities  []accessEntity `json:"entities"`
}

type accessEntity struct {
	Type string     `json:"type"` // USER | ROLE
	Name string     `json:"name"`
	ID   string     `json:"id"`
	Path string     `json:"path"`
	ARN  string     `json:"arn"`
	Last *time.Time `json:"last,omitempty"`
	// Region of the last request.
	Region string `json:"region,omitempty"`
}

// reportEntity is a user or role a report covers.
type reportEntity struct {
	kind, name, id, path string
}

var (
	catalogOnce sync.Once
	services    *catalog.Catalog
)

// serviceCatalog loads the catalogue of services on first use (not at
// start-up, which must stay fast).
func serviceCatalog() *catalog.Catalog {
	catalogOnce.Do(func() { services = catalog.MustLoad() })
	return services
}

// GenerateServiceLastAccessedDetails reports on a user, group, role or
// managed policy: each service its policies allow, and when the users and
// roles it covers last made requests to it. The report is ready at once.
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, in *iamapi.GenerateServiceLastAccessedDetailsInput) (*iamapi.GenerateServiceLastAccessedDetailsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	granularity := "SERVICE_LEVEL"
	if in.Granularity != nil {
		granularity = *in.Granularity
	}
	// The entity authorization saw: PrincipalSource's user, group or
	// role, or the policy resolvePolicy finds by its canonical ARN.
	kind, name, ok := PrincipalSource(c, in.Arn)
	if _, isPolicy := parseEntityARN(c.Partition, in.Arn, "policy"); !ok && isPolicy {
		kind = "policy"
	}
	if kind == "" {
		return nil, iamapi.InvalidInput("ARN %s is not the ARN of a user, group, role or policy of this account.", in.Arn)
	}
	var docs []PolicyDoc
	var entities []reportEntity
	err = s.view(ctx, func(tx Tx) error {
		switch kind {
		case "user", "role":
			e, err := readEntity(tx, c.Account, kind, name)
			if err != nil {
				return err
			}
			entities = append(entities, e)
			return s.entityDocs(tx, c.Account, kind, e.name, &docs)
		case "group":
			var g Group
			if err := getJSON(tx, c.Account, kindGroup, lower(name), &g); err != nil {
				return noSuchEntity("group", name)
			}
			if err := s.appendPolicies(tx, c.Account, "group", g.Name, &docs); err != nil {
				return err
			}
			return appendMembers(tx, c.Account, g.Name, &entities)
		case "policy":
			r, err := s.resolvePolicy(tx, c, in.Arn)
			if err != nil {
				return err
			}
			doc, err := s.managedDocument(tx, c.Account, r.arn)
			if err != nil {
				return iamapi.NoSuchEntity("Policy %s does not exist or is not attachable.", in.Arn)
			}
			docs = append(docs, *doc)
			attached, err := scanKeys(tx, c.Account, kindAttachedTo, key(r.arn, ""))
			if err != nil {
				return err
			}
			for _, k := range attached {
				ekind, ename, _ := strings.Cut(k, "|")
				if ekind == "group" {
					if err := appendMembers(tx, c.Account, ename, &entities); err != nil {
						return err
					}
					continue
				}
				if e, err := readEntity(tx, c.Account, ekind, ename); err == nil {
					entities = append(entities, e)
				}
			}
			return nil
		}
		return iamapi.InvalidInput("ARN %s is not the ARN of a user, group, role or policy of this account.", in.Arn)
	})
	if err != nil {
		return nil, err
	}
	job := &accessJob{ID: uuid.NewString(), Type: granularity, Created: s.now().UTC().Truncate(time.Second)}
	parsed := make([]*policy.Document, 0, len(docs))
	for _, d := range docs {
		if doc, err := policy.Parse([]byte(d.Text)); err == nil {
			parsed = append(parsed, doc)
		}
	}
	cat := serviceCatalog()
	err = s.view(ctx, func(tx Tx) error {
		for _, prefix := range cat.Prefixes() {
			if !slices.ContainsFunc(parsed, func(d *policy.Document) bool { return d.GrantsService(prefix) }) {
				continue
			}
			svc := accessService{Name: cat.Services[prefix].Name, Namespace: prefix, Entities: []accessEntity{}}
			for _, e := range entities {
				ae := accessEntity{Type: strings.ToUpper(e.kind), Name: e.name, ID: e.id, Path: e.path,
					ARN: arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: e.kind + e.path + e.name}.String()}
				var rec serviceAccess
				if err := getJSON(tx, c.Account, kindServiceAccess, key(e.kind, e.id, prefix), &rec); err == nil {
					ae.Last, ae.Region = &rec.Last, rec.Region
				} else if !errors.Is(err, ErrNotFound) {
					return err
				}
				svc.Entities = append(svc.Entities, ae)
			}
			job.Services = append(job.Services, svc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	job.Completed = s.now().UTC().Truncate(time.Second)
	if err := s.update(ctx, func(tx Tx) error { return putJSON(tx, c.Account, kindAccessJob, job.ID, job) }); err != nil {
		return nil, err
	}
	return &iamapi.GenerateServiceLastAccessedDetailsOutput{JobId: &job.ID}, nil
}

// entityDocs are a user's (with its groups') or a role's policies.
func (s *Service) entityDocs(tx Tx, account, kind, name string, docs *[]PolicyDoc) error {
	if err := s.appendPolicies(tx, account, kind, name, docs); err != nil {
		return err
	}
	if kind != "user" {
		return nil
	}
	groups, err := scanKeys(tx, account, kindUserGroup, key(lower(name), ""))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := s.appendPolicies(tx, account, "group", g, docs); err != nil {
			return err
		}
	}
	return nil
}

func readEntity(tx Tx, account, kind, name string) (reportEntity, error) {
	var v struct {
		Name string `json:"name"`
		ID   string `json:"id"`
		Path string `json:"path"`
	}
	if err := getJSON(tx, account, kind, lower(name), &v); err != nil {
		return reportEntity{}, noSuchEntity(kind, name)
	}
	return reportEntity{kind: kind, name: v.Name, id: v.ID, path: v.Path}, nil
}

// appendMembers adds a group's users.
func appendMembers(tx Tx, account, group string, out *[]reportEntity) error {
	members, err := scanKeys(tx, account, kindMember, key(lower(group), ""))
	if err != nil {
		return err
	}
	for _, m := range members {
		if e, err := readEntity(tx, account, "user", m); err == nil {
			*out = append(*out, e)
		}
	}
	return nil
}

func (s *Service) accessJob(ctx context.Context, id string) (*accessJob, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var job accessJob
	err = s.view(ctx, func(tx Tx) error { return getJSON(tx, c.Account, kindAccessJob, id, &job) })
	if errors.Is(err, ErrNotFound) {
		return nil, iamapi.NoSuchEntity("The job with id %s cannot be found.", id)
	}
	return &job, err
}

// pageBounds applies MaxItems and a Marker (an index) to n items.
func pageBounds(n int, maxItems *int32, marker *string) (start, end int, next *string, err error) {
	if marker != nil && *marker != "" {
		k, err := decodeMarker(marker)
		if err != nil {
			return 0, 0, nil, err
		}
		if start, err = strconv.Atoi(k); err != nil || start < 0 || start > n {
			return 0, 0, nil, invalidMarker()
		}
	}
	limit := defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	end = min(start+limit, n)
	if end < n {
		next = encodeMarker(strconv.Itoa(end))
	}
	return start, end, next, nil
}

// GetServiceLastAccessedDetails reads a report: per service, the last
// request of the entities it covers and how many made one.
func (s *Service) GetServiceLastAccessedDetails(ctx context.Context, in *iamapi.GetServiceLastAccessedDetailsInput) (*iamapi.GetServiceLastAccessedDetailsOutput, error) {
	job, err := s.accessJob(ctx, in.JobId)
	if err != nil {
		return nil, err
	}
	start, end, next, err := pageBounds(len(job.Services), in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetServiceLastAccessedDetailsOutput{JobStatus: "COMPLETED", JobType: &job.Type, JobCreationDate: job.Created,
		JobCompletionDate: job.Completed, ServicesLastAccessed: []iamapi.ServiceLastAccessed{}, IsTruncated: ptr(next != nil), Marker: next}
	for _, svc := range job.Services[start:end] {
		sl := iamapi.ServiceLastAccessed{ServiceName: svc.Name, ServiceNamespace: svc.Namespace}
		total := int32(0)
		for _, e := range svc.Entities {
			if e.Last == nil {
				continue
			}
			total++
			if sl.LastAuthenticated == nil || e.Last.After(*sl.LastAuthenticated) {
				sl.LastAuthenticated, sl.LastAuthenticatedEntity, sl.LastAuthenticatedRegion = e.Last, optional(e.ARN), optional(e.Region)
			}
		}
		sl.TotalAuthenticatedEntities = &total
		out.ServicesLastAccessed = append(out.ServicesLastAccessed, sl)
	}
	return out, nil
}

// GetServiceLastAccessedDetailsWithEntities reads, for one service of a
// report, each user and role it covers with its last request.
func (s *Service) GetServiceLastAccessedDetailsWithEntities(ctx context.Context, in *iamapi.GetServiceLastAccessedDetailsWithEntitiesInput) (*iamapi.GetServiceLastAccessedDetailsWithEntitiesOutput, error) {
	job, err := s.accessJob(ctx, in.JobId)
	if err != nil {
		return nil, err
	}
	var entities []accessEntity
	for _, svc := range job.Services {
		if strings.EqualFold(svc.Namespace, in.ServiceNamespace) {
			entities = svc.Entities
		}
	}
	start, end, next, err := pageBounds(len(entities), in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetServiceLastAccessedDetailsWithEntitiesOutput{JobStatus: "COMPLETED", JobCreationDate: job.Created,
		JobCompletionDate: job.Completed, EntityDetailsList: []iamapi.EntityDetails{}, IsTruncated: ptr(next != nil), Marker: next}
	for _, e := range entities[start:end] {
		out.EntityDetailsList = append(out.EntityDetailsList, iamapi.EntityDetails{
			EntityInfo:        iamapi.EntityInfo{Arn: e.ARN, Name: e.Name, Type: e.Type, Id: e.ID, Path: optional(e.Path)},
			LastAuthenticated: e.Last})
	}
	return out, nil
}
