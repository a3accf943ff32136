package ike

import (
	"container/heap"
	"time"
)

// TimerQueue is a min-heap of timers keyed by deadline: one structure for all
// SAs, so 100k SAs cost 32 bytes each and no goroutine or runtime timer.
// It is not safe for concurrent use; the event loop owns it.
type TimerQueue struct {
	h timerHeap
}

type timerEntry struct {
	at  int64 // UnixNano
	key TimerKey
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Add arms a timer for k at time at.
func (q *TimerQueue) Add(at time.Time, k TimerKey) {
	heap.Push(&q.h, timerEntry{at: at.UnixNano(), key: k})
}

// Len is the number of armed timers.
func (q *TimerQueue) Len() int { return len(q.h) }

// Next reports the earliest deadline, if any.
func (q *TimerQueue) Next() (time.Time, bool) {
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, q.h[0].at), true
}

// PopDue removes and returns one timer whose deadline is at or before now.
func (q *TimerQueue) PopDue(now time.Time) (TimerKey, bool) {
	if len(q.h) == 0 || q.h[0].at > now.UnixNano() {
		return TimerKey{}, false
	}
	e := heap.Pop(&q.h).(timerEntry)
	return e.key, true
}
