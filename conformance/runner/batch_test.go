package runner

import (
	"slices"
	"testing"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
)

func job(name string, page origins.Name, pages ...origins.Name) Job {
	return Job{Name: name, Probe: harness.Probe{Page: page}, Pages: pages}
}

// drain hands out every job to one worker and returns the names in order.
func drain(sc *schedule) []string {
	var names []string
	var g *group
	for {
		var j Job
		var ok bool
		if g, j, ok = sc.next(g); !ok {
			return names
		}
		names = append(names, j.Name)
	}
}

func TestScheduleSequencesFirstThenOneOriginAtATime(t *testing.T) {
	sc := newSchedule([]Job{
		job("a1", "https://a"), job("b1", "https://b"), job("seq", "https://a", "https://a", "https://a"),
		job("a2", "https://a"), job("b2", "https://b"),
	})
	got := drain(sc)
	want := []string{"seq", "a1", "a2", "b1", "b2"}
	if !slices.Equal(got, want) {
		t.Errorf("one worker got %v; want %v (sequences first, then each page origin's jobs together, in the given order)", got, want)
	}
}

func TestScheduleSecondWorkerTakesAFreeGroupThenSteals(t *testing.T) {
	var jobs []Job
	for _, n := range []string{"a1", "a2", "a3", "a4", "a5", "a6"} {
		jobs = append(jobs, job(n, "https://a"))
	}
	jobs = append(jobs, job("b1", "https://b"))
	sc := newSchedule(jobs)
	ga, j, _ := sc.next(nil)
	if j.Name != "a1" {
		t.Fatalf("first worker got %s; want a1", j.Name)
	}
	gb, j, _ := sc.next(nil)
	if j.Name != "b1" {
		t.Fatalf("second worker got %s; want b1, the group no worker is on", j.Name)
	}
	// b is done; a has 5 left (at least minSteal), so the second worker joins it.
	if g, j, ok := sc.next(gb); !ok || g != ga || j.Name != "a2" {
		t.Fatalf("second worker then got %s (same group %v, ok %v); want a2 from a's group", j.Name, g == ga, ok)
	}
}

func TestScheduleDoesNotStealASmallGroup(t *testing.T) {
	sc := newSchedule([]Job{job("a1", "https://a"), job("a2", "https://a"), job("b1", "https://b")})
	sc.next(nil) // worker 1 on a (a2 left)
	gb, _, _ := sc.next(nil)
	if _, j, ok := sc.next(gb); ok {
		t.Errorf("second worker got %s; want nothing: one job left in a is below minSteal (%d), not worth a navigation", j.Name, minSteal)
	}
}
