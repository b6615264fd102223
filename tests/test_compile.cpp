// The header compiled as C++ with the implementation, -Wall -Wextra -Werror:
// the layer self-test runs, and every public struct can be zero-initialised
// with `= {0}` as in C (its first member is never an enum: in C++ a 0 does
// not convert to one). g++ -Wextra warns about {0} in C++ (missing field
// initializers), so this file is built with -Wno-missing-field-initializers.
#define LD_LLM_IMPLEMENTATION
#define LD_LLM_SELFTEST
#include "../ld_llm.h"
#include <cstdio>

int main() {
    int fails = ld_selftest(0);
    ld_config cfg = {0};
    ld_rng rng = {0};
    ld_params params = {0};
    ld_tensor_info ti = {0};
    ld_acts acts = {0};
    ld_dacts dacts = {0};
    ld_seq seq = {0};
    ld_accel accel = {0};
    ld_model m = {0};
    ld_sample_opts so = {0};
    ld_pref_metrics pm = {0};
    ld_optim_config oc = {0};
    ld_optim opt = {0};
    ld_dataset ds = {0};
    ld_train_config tc = {0};
    ld_trainer tr = {0};
    ld_dyn_report rep = {0};
    ld_influence inf = {0};
    ld_probe_result pr = {0};
    (void)rng; (void)params; (void)ti; (void)acts; (void)dacts; (void)seq; (void)accel; (void)so;
    (void)pm; (void)opt; (void)ds; (void)tc; (void)tr; (void)rep; (void)inf; (void)pr;
    bool ok = fails == 0 && ld_model_init(&m, &cfg, 1, 8, LD_TRAIN | LD_JVP, 1) == LD_OK;
    ok = ok && ld_optim_config_resolve(&oc).kind == LD_OPT_ADAMW && ld_optim_config_resolve(&oc).lr == 1e-3;
    ld_model_free(&m);
    std::printf("%s: C++ build, layer self-test (%d failed), = {0} for every public struct\n", ok ? "OK  " : "FAIL", fails);
    // zero-initialised preference options, as in C, mean sigmoid DPO, β 0.1;
    // `= {}` is C++'s own spelling
    ld_pref_opts po = {0};
    ld_pref_opts pe = {};
    ld_pref_opts pr1 = ld_pref_opts_resolve(&po), pr2 = ld_pref_opts_resolve(&pe);
    bool ok2 = pr1.kind == LD_DPO && pr1.n_terms == 1 && pr1.beta == 0.1 && pr2.kind == LD_DPO && pr2.beta == 0.1;
    std::printf("%s: ld_pref_opts o = {0} compiles as C++ and means sigmoid DPO, beta 0.1\n", ok2 ? "OK  " : "FAIL");
    int np = (ok ? 1 : 0) + (ok2 ? 1 : 0);
    std::printf("%d passed, %d failed\n", np, 2 - np);
    return np == 2 ? 0 : 1;
}
