/* LD_LLM_STATIC: every function is static, so two translation units may
   each hold a private copy (tests/static2.c is the other). */
#define LD_LLM_STATIC
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
#include <stdio.h>

int other_unit_param_count(void);

int main(void) {
    ld_config cfg = {0};
    int ok = (int)ld_param_count(&cfg) == other_unit_param_count();
    printf("%s: two static copies of the library link side by side\n", ok ? "OK  " : "FAIL");
    printf("%d passed, %d failed\n", ok, !ok);
    return !ok;
}
