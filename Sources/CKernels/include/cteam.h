// cteam: a persistent team of worker threads for charlm's fork-join splits (see
// Kernels/Parallelism.swift). One call hands `parts` slices to the caller and to parked workers
// through an atomic generation counter and joins on an atomic countdown: ~0.1–1 µs per call when
// the workers are spinning, against several µs for a Dispatch hand-off. Workers spin briefly
// after each call (the next product of a sampling step or a time step comes within microseconds),
// then sleep on a condition variable, so an idle process does not hold the cores.
#ifndef CTEAM_H
#define CTEAM_H

#include <stdint.h>

/// A slice of work: `part` of `parts`, with the caller's context.
typedef void (*cteam_body)(void *context, int64_t part, int64_t parts);

/// Runs body(context, p, parts) for p in 0..<parts: p = 0 on the calling thread, the others on
/// the team's workers (started on first use, kept for the process). Returns 0 when done, or -1
/// without running anything when the team is in use by another thread (the caller then splits
/// some other way) or its workers cannot be started. Not reentrant from inside a body.
int cteam_run(int64_t parts, cteam_body body, void *context);

/// Non-zero on a thread that is running a slice of a split (a team part, or a slice the
/// caller runs elsewhere between cteam_enter_slice and cteam_leave_slice): work nested in a
/// slice runs inline instead of splitting again. Per thread, so concurrent callers (tests) do
/// not see each other's splits.
int cteam_in_slice(void);
void cteam_enter_slice(void);
void cteam_leave_slice(void);

/// Number of worker threads started so far (tests).
int64_t cteam_workers(void);

#endif
