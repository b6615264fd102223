/* The stb contract: this file sees only the declarations (no
   LD_LLM_IMPLEMENTATION) and links against tests/impl.c, which holds the
   implementation. Built with -Werror, as C99 and (test_compile.cpp) as C++. */
#include "../ld_llm.h"
#include <stdio.h>

int main(void) {
    ld_config cfg = {0};
    ld_config r = ld_config_resolve(&cfg);
    int ok = r.vocab_size == 257 && r.context == 64 && r.n_layer == 2 && ld_config_check(&r) == LD_OK &&
             ld_param_count(&r) > 0 && ld_tensor_count() == 17 && ld_status_string(LD_ERR_TOKEN)[0];
    ld_model m;
    ok = ok && ld_model_init(&m, &cfg, 1, 8, 0, 1) == LD_OK;
    int tok[3] = { 256, 104, 105 };
    ld_seq s = { tok, 3, 1 };
    ok = ok && ld_forward(&m, &s, 1) == LD_OK && m.seq_logp[0] < 0;
    ld_model_free(&m);
    printf("%s: the API links and runs from a second translation unit\n", ok ? "OK  " : "FAIL");
    printf("%d passed, %d failed\n", ok, !ok);
    return !ok;
}
