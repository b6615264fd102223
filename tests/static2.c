/* The second static copy for test_static. */
#define LD_LLM_STATIC
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"

int other_unit_param_count(void) {
    ld_config cfg = {0};
    return (int)ld_param_count(&cfg);
}
