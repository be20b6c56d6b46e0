package result

import "testing"

// Nearest rank: the p-th percentile of n values is the ceil(p·n)-th
// smallest, 1 is the max, and one value is every percentile.
func TestPercentiles(t *testing.T) {
	v := make([]float64, 300)
	for i := range v {
		v[i] = float64(300 - i) // 300 … 1, unsorted
	}
	got := Percentiles(v, 0.5, 0.9, 0.99, 1)
	want := []float64{150, 270, 297, 300}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Percentiles(1…300)[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if got := Percentiles([]float64{7}, 0.5, 0.99); got[0] != 7 || got[1] != 7 {
		t.Errorf("Percentiles([7]) = %v, want [7 7]", got)
	}
}
