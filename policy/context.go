package policy

import "strings"

// Context is the request context: condition keys and their values. Key
// names are case-insensitive (section 2), so they are stored lower-cased;
// values keep their case. A key with no values is the same as an absent
// key (section 4.2).
type Context struct {
	m map[string][]string
	// slab backs SetDefault's one-value slices, so that a request's
	// global keys cost one allocation, not one each. Each slice handed
	// out is capped at its length: an Add reallocates, never overwrites
	// a neighbour.
	slab []string
}

// NewContext builds a context from key -> values.
func NewContext(kv map[string][]string) Context {
	c := Context{m: make(map[string][]string, len(kv))}
	for k, v := range kv {
		c.Set(k, v...)
	}
	return c
}

// Reset empties the context and keeps its storage for the next request:
// the caller must hold no slice Get returned.
func (c *Context) Reset() {
	clear(c.m)
	clear(c.slab)
	c.slab = c.slab[:0]
}

// Set replaces the values of key. Setting no values removes the key.
func (c *Context) Set(key string, values ...string) {
	if c.m == nil {
		c.m = make(map[string][]string, contextSizeHint)
	}
	k := strings.ToLower(key)
	if len(values) == 0 {
		delete(c.m, k)
		return
	}
	c.m[k] = values
}

// contextSizeHint is about the number of keys a request carries (AWS's
// global keys and the principal's), so building one does not regrow it.
const contextSizeHint = 24

// SetDefault sets key to value when the key has no values yet (and value
// is not empty): how AWS's global keys fill in what a request left out.
func (c *Context) SetDefault(key, value string) {
	if value == "" {
		return
	}
	if c.m == nil {
		c.m = make(map[string][]string, contextSizeHint)
	}
	k := strings.ToLower(key) // no copy when the caller passes it lower-cased
	if len(c.m[k]) == 0 {
		if len(c.slab) == cap(c.slab) {
			c.slab = make([]string, 0, 16)
		}
		c.slab = append(c.slab, value)
		n := len(c.slab)
		c.m[k] = c.slab[n-1 : n : n]
	}
}

// Add appends values to key.
func (c *Context) Add(key string, values ...string) {
	if c.m == nil {
		c.m = map[string][]string{}
	}
	k := strings.ToLower(key)
	c.m[k] = append(c.m[k], values...)
}

// Get returns the values of key (any case).
func (c Context) Get(key string) []string { return c.m[strings.ToLower(key)] }

// lookup takes an already lower-cased key, so the hot path does not
// allocate.
func (c Context) lookup(lowerKey string) ([]string, bool) {
	v := c.m[lowerKey]
	return v, len(v) > 0
}

// Keys returns the (lower-cased) keys present.
func (c Context) Keys() []string {
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	return keys
}

// Len is the number of keys present.
func (c Context) Len() int { return len(c.m) }
