/* aiopt.h - the candidate ABI of aiopt-harness.
 *
 * A candidate is one C++ source file that defines these four functions. The harness
 * compiles it into a shared object, dlopen()s it in an isolated child process and calls:
 *
 *   state = aiopt_init(input, len);   untimed: parse the input, allocate, precompute
 *   aiopt_run(state);                  timed: called many times; must be repeatable and
 *                                      leave the same observable result every time
 *   n = aiopt_output(state, out, cap); untimed: copy the result into out (at most cap
 *                                      bytes) and return the number of bytes it needs;
 *                                      the harness calls it again with a larger buffer
 *                                      when n > cap
 *   aiopt_fini(state);                 untimed: free everything
 *
 * The input is the whole content of one of the task's input files. The output is
 * compared with the task's reference output as the task's [check] section says.
 */
#ifndef AIOPT_H
#define AIOPT_H

#include <stddef.h>

#ifdef __cplusplus
#define AIOPT_EXTERN extern "C"
#else
#define AIOPT_EXTERN
#endif

#define AIOPT_API AIOPT_EXTERN __attribute__((visibility("default")))

AIOPT_API void* aiopt_init(const unsigned char* input, size_t len);
AIOPT_API void aiopt_run(void* state);
AIOPT_API size_t aiopt_output(void* state, unsigned char* out, size_t cap);
AIOPT_API void aiopt_fini(void* state);

#endif /* AIOPT_H */
