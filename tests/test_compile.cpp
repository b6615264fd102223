// The header compiled as C++ with the implementation, -Wall -Wextra -Werror.
#define LD_LLM_IMPLEMENTATION
#define LD_LLM_SELFTEST
#include "../ld_llm.h"
#include <cstdio>

int main() {
    int fails = ld_selftest(0);
    ld_config cfg = {};
    ld_model m;
    bool ok = fails == 0 && ld_model_init(&m, &cfg, 1, 8, LD_TRAIN | LD_JVP, 1) == LD_OK;
    ld_model_free(&m);
    std::printf("%s: C++ build, layer self-test (%d failed)\n", ok ? "OK  " : "FAIL", fails);
    // zero-initialised preference options, as in C: sigmoid DPO, β 0.1. C++
    // accepts `= {0}` because the first member is a number (g++ -Wextra still
    // warns that the others are not named, so it is silenced here); `= {}` is
    // C++'s own spelling.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
    ld_pref_opts po = {0};
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    ld_pref_opts pe = {};
    ld_pref_opts pr = ld_pref_opts_resolve(&po), pr2 = ld_pref_opts_resolve(&pe);
    bool ok2 = pr.kind == LD_DPO && pr.n_terms == 1 && pr.beta == 0.1 && pr2.kind == LD_DPO && pr2.beta == 0.1;
    std::printf("%s: ld_pref_opts o = {0} compiles as C++ and means sigmoid DPO, beta 0.1\n", ok2 ? "OK  " : "FAIL");
    int np = (ok ? 1 : 0) + (ok2 ? 1 : 0);
    std::printf("%d passed, %d failed\n", np, 2 - np);
    return np == 2 ? 0 : 1;
}
