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
    std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}
