package lru

import (
	"fmt"
	"sync"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](2)
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("a = %d %v", v, ok)
	}
	c.Put("c", 3) // evicts b
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived eviction")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(k); !ok || v != want {
			t.Fatalf("%s = %d %v, want %d", k, v, ok, want)
		}
	}
	c.Put("a", 10) // replacing does not grow the cache
	if c.Len() != 2 {
		t.Fatalf("len %d", c.Len())
	}
	c.Remove("a")
	if _, ok := c.Get("a"); ok || c.Len() != 1 {
		t.Fatal("remove")
	}
}

func TestBoundedUnderManyKeys(t *testing.T) {
	c := New[string, int](100)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c.Update(fmt.Sprint(g, i%150), func(old int, _ bool) int { return old + 1 })
			}
		}()
	}
	wg.Wait()
	if c.Len() != 100 {
		t.Fatalf("len %d, want the capacity 100", c.Len())
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	c := New[string, int](4)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				c.Update("n", func(old int, _ bool) int { return old + 1 })
			}
		}()
	}
	wg.Wait()
	if v, _ := c.Get("n"); v != 4000 {
		t.Fatalf("n = %d, want 4000", v)
	}
}
