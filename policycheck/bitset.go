package policycheck

type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) key() string {
	out := make([]byte, 0, len(b)*8)
	for _, w := range b {
		for i := 0; i < 8; i++ {
			out = append(out, byte(w>>(8*i)))
		}
	}
	return string(out)
}

// and3 writes a&b&c into dst.
func and3(dst, a, b, c bitset) {
	for i := range dst {
		dst[i] = a[i] & b[i] & c[i]
	}
}
