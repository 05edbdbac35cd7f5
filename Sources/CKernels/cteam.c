// The worker team declared in include/cteam.h.
//
// One atomic word describes the current call: generation (upper 32 bits), part count (16 bits)
// and the next unclaimed part (16 bits). Part 0 is the caller's; the workers, and the caller
// once its part is done, claim the others with a compare-and-swap on that word, so a part runs
// exactly once, on whichever thread gets to it first: when the machine is loaded and a worker is
// not scheduled in time, the caller runs the remaining parts itself instead of waiting (as
// Dispatch's concurrentPerform does). A claim only succeeds while the word still names the call,
// so a late worker can never run a part of a call other than the one whose fields it reads (they
// are read after the claim, and the caller does not rewrite them before every claimed part has
// finished).
#include "cteam.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CTEAM_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CTEAM_PAUSE() __asm__ __volatile__("yield")
#else
#define CTEAM_PAUSE() ((void)0)
#endif

enum {
  CTEAM_MAX_WORKERS = 63,
  // Pause iterations (~26 ns each on Zen 4) a worker spins waiting for the next call before it
  // sleeps: ~27 µs, longer than the gap between two products of one sampling step. Spinning
  // longer (16,384: ~0.4 ms) ran slower on a loaded machine, the spinning worker taking the
  // core from the process's own caller.
  CTEAM_SPIN = 1 << 10,
  // Pause iterations the caller spins waiting for claimed parts before it yields the core.
  CTEAM_JOIN_SPIN = 1 << 10,
};

static pthread_mutex_t team_lock = PTHREAD_MUTEX_INITIALIZER;  // guards start-up and sleeping
static pthread_cond_t team_wake = PTHREAD_COND_INITIALIZER;
static atomic_flag team_busy = ATOMIC_FLAG_INIT;  // one caller at a time
static _Atomic uint64_t call_word;                // generation << 32 | parts << 16 | next part
static _Atomic int64_t finished;                  // parts of the current call that have finished
static _Atomic int64_t sleepers;                  // workers waiting on team_wake
static _Atomic int64_t started;                   // workers running
// The current call, written before `call_word` names it (release), read after a claim (acquire).
static cteam_body current_body;
static void *current_context;

static _Thread_local int slice_depth;  // > 0 while this thread runs a slice

int cteam_in_slice(void) { return slice_depth > 0; }
void cteam_enter_slice(void) { slice_depth++; }
void cteam_leave_slice(void) { slice_depth--; }

static uint64_t generation_of(uint64_t word) { return word >> 32; }

/// Claims and runs parts of the call `word` names until none is left (or another call began).
static void run_parts(uint64_t word) {
  const uint64_t generation = generation_of(word);
  while (generation_of(word) == generation) {
    uint64_t parts = (word >> 16) & 0xffff, next = word & 0xffff;
    if (next >= parts) return;
    // On failure `word` is reloaded with the current value, and the loop looks again.
    if (atomic_compare_exchange_weak_explicit(&call_word, &word, word + 1, memory_order_acq_rel,
                                              memory_order_acquire)) {
      slice_depth++;
      current_body(current_context, (int64_t)next, (int64_t)parts);
      slice_depth--;
      atomic_fetch_add_explicit(&finished, 1, memory_order_release);
      word += 1;
    }
  }
}

static void *worker_main(void *argument) {
  uint64_t seen = (uint64_t)(uintptr_t)argument;  // the generation at start-up
  for (;;) {
    uint64_t word = atomic_load_explicit(&call_word, memory_order_acquire);
    for (int i = 0; i < CTEAM_SPIN && generation_of(word) == seen; i++) {
      CTEAM_PAUSE();
      word = atomic_load_explicit(&call_word, memory_order_acquire);
    }
    if (generation_of(word) == seen) {
      pthread_mutex_lock(&team_lock);
      atomic_fetch_add(&sleepers, 1);
      while (generation_of(word = atomic_load(&call_word)) == seen) pthread_cond_wait(&team_wake, &team_lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&team_lock);
    }
    seen = generation_of(word);
    run_parts(word);
  }
  return NULL;
}

/// Starts workers until there are `count`; false when one cannot be started.
static bool ensure_workers(int64_t count) {
  if (atomic_load_explicit(&started, memory_order_acquire) >= count) return true;
  pthread_mutex_lock(&team_lock);
  bool ok = true;
  while (atomic_load(&started) < count) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    // The bodies run charlm's kernels and BLAS/oneDNN calls: give them a main-thread-sized stack.
    pthread_attr_setstacksize(&attributes, 8u << 20);
    uintptr_t generation = (uintptr_t)generation_of(atomic_load(&call_word));
    ok = pthread_create(&thread, &attributes, worker_main, (void *)generation) == 0;
    pthread_attr_destroy(&attributes);
    if (!ok) break;
    atomic_fetch_add(&started, 1);
  }
  pthread_mutex_unlock(&team_lock);
  return ok;
}

int cteam_run(int64_t parts, cteam_body body, void *context) {
  if (parts <= 1) {
    if (parts == 1) body(context, 0, 1);
    return 0;
  }
  if (parts - 1 > CTEAM_MAX_WORKERS) return -1;
  if (atomic_flag_test_and_set_explicit(&team_busy, memory_order_acquire)) return -1;
  if (!ensure_workers(parts - 1)) {
    atomic_flag_clear_explicit(&team_busy, memory_order_release);
    return -1;
  }
  current_body = body;
  current_context = context;
  atomic_store_explicit(&finished, 0, memory_order_relaxed);
  uint64_t generation = generation_of(atomic_load_explicit(&call_word, memory_order_relaxed)) + 1;
  if (generation > 0xffffffffu) generation = 1;  // 0 is the start-up value
  // Part 0 is the caller's (the word's next part starts at 1): a thread gets the same rows of a
  // split from one call to the next, and so finds them in its own cache where they fit.
  uint64_t word = generation << 32 | (uint64_t)parts << 16 | 1;
  atomic_store(&call_word, word);  // seq_cst: ordered before the load of `sleepers`
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&team_lock);
    pthread_cond_broadcast(&team_wake);
    pthread_mutex_unlock(&team_lock);
  }
  slice_depth++;
  body(context, 0, parts);
  slice_depth--;
  atomic_fetch_add_explicit(&finished, 1, memory_order_release);
  run_parts(word);  // then whatever parts no worker has claimed yet
  for (int i = 0; atomic_load_explicit(&finished, memory_order_acquire) < parts; i++) {
    if (i < CTEAM_JOIN_SPIN) {
      CTEAM_PAUSE();
    } else {
      sched_yield();
    }
  }
  atomic_flag_clear_explicit(&team_busy, memory_order_release);
  return 0;
}

int64_t cteam_workers(void) { return atomic_load(&started); }
