// CBLAS: the BLAS entry points charlm uses (cblas_sgemm, cblas_sgemv) from Debian's
// libopenblas-dev, plus OpenBLAS's thread control. Apple platforms use Accelerate instead.
#include <cblas.h>

// OpenBLAS extensions (declared in its cblas.h; repeated so the intent is visible here).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
