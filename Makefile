# ld_llm: the examples, the tools and the tests. Needs only a C compiler and make.
#
#   make              build the examples and the tests
#   make demo         the main job: the paper's findings in miniature (out/demo/report.md)
#   make example      train a tiny model on built-in text (loss, then a sample)
#   make test         run every test; the last line is "N passed, N failed"
#   make test-asan    the tests again under AddressSanitizer and UBSan
#   make bench        speed and memory figures (beside PyTorch and OpenBLAS when
#                     installed); BENCH="--config families" for only SmolLM2's
#                     and Pythia-160M's shapes, "--config pythia410m" for
#                     Pythia-410M's (see tools/bench.c)
#   make cuda         the optional GPU unit (nvcc, cuBLAS), its test and benchmark
#   make test-cuda    run its test (says it skipped, and why, without a GPU)
#   make bench-cuda   GPU vs CPU speed figures
#   make clean
#
# Knobs: PORTABLE=1 builds without -march=native (slower, runs anywhere);
#        NO_OMP=1 builds without OpenMP; CC=clang picks another compiler.

CC      ?= cc
CXX     ?= c++
# -O3: GCC vectorises the element-wise loops only from -O3 on (measured: a
# training step of the bench's demo model, 72 ms at -O2, 49 ms at -O3).
OPT     := -O3 -march=native
ifeq ($(PORTABLE),1)
OPT     := -O3
endif
CFLAGS  := $(OPT) -std=c99 -Wall -Wextra
LDLIBS  := -lm
# OpenMP if the compiler has it (results are the same with or without).
ifeq ($(NO_OMP),)
OMP     := $(shell printf 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)
endif
SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all

B       := build
HDR     := ld_llm.h
EXAMPLES := $(B)/01_train_tiny $(B)/02_dynamics
TESTS   := test_grad test_layers test_model_f test_model_d test_losses test_pref_ref test_pref_dynamics test_dynamics test_peers test_peers_f test_io test_train \
           test_determinism test_compile test_compile_cpp test_static test_cli test_svg test_demo \
           test_kernels test_kernels_scalar test_kernels_double test_readme \
           test_cuda_fake test_cuda_fake_double test_badinput test_threads test_api test_data \
           test_tokenizer test_tokenizer_live test_tokenizer_model test_families_f test_families_d test_tiny_gpt2_f test_tiny_gpt2_d
# the kernels once more for the narrower x86 vector widths (AVX2, SSE2)
ifeq ($(shell uname -m),x86_64)
TESTS   += test_kernels_avx2 test_kernels_sse2
endif
TOOLS   := $(B)/ldllm $(B)/bench $(B)/demo

.PHONY: all examples example tools bench demo test test-asan fuzz clean cuda test-cuda bench-cuda
all: examples tools $(addprefix $(B)/,$(TESTS))
tools: $(TOOLS)
examples: $(EXAMPLES)

# A first run: train a tiny model on built-in text, print the loss and a sample.
example: $(B)/01_train_tiny
	./$(B)/01_train_tiny

$(B)/%: examples/%.c $(HDR) | $(B)
	$(CC) $(CFLAGS) $(OMP) $< -o $@ $(LDLIBS)

$(B)/bench: tools/bench.c tools/timing.h $(HDR) | $(B)
	$(CC) $(CFLAGS) $(OMP) $< -o $@ $(LDLIBS) -ldl

# The main job: the paper's findings in miniature, figures and report.md in out/demo.
# SEEDS=1-5: one run per seed into out/demo/seed-N, then the claims × seeds
# table (out/demo/seeds_table.md and .csv). DEMO_FLAGS=--words: the world's
# word-level tokenizer instead of bytes (then DEMO_OUT=out/demo-words, say).
SEED ?= 1
SEEDS ?=
DEMO_FLAGS ?=
DEMO_OUT ?= out/demo
demo: $(B)/demo
ifeq ($(SEEDS),)
	./$(B)/demo $(DEMO_FLAGS) --seed $(SEED) --out $(DEMO_OUT)
else
	set -e; for n in $$(./$(B)/demo --list-seeds $(SEEDS)); do ./$(B)/demo $(DEMO_FLAGS) --seed $$n --out $(DEMO_OUT)/seed-$$n; done
	./$(B)/demo --seeds-table $(DEMO_OUT) $(SEEDS)
endif

# Speed and memory figures, "name value unit" per line; beside PyTorch when
# Debian's python3-torch is installed, beside OpenBLAS's sgemm when
# libopenblas is. Every configuration by default, the large models' shapes
# (SmolLM2-135M, Pythia-160M and -410M) included: minutes on a few cores.
BENCH ?=
bench: $(B)/bench
	./$(B)/bench $(BENCH)

# --- tests -------------------------------------------------------------------
# $(1): output folder, $(2): extra flags
define TEST_RULES
$(1)/test_grad: tests/test_grad.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_layers: tests/test_layers.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(OMP) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_model_f: tests/test_model.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_model_d: tests/test_model.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) -DLD_LLM_DOUBLE $$< -o $$@ $$(LDLIBS)
$(1)/test_losses: tests/test_losses.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_pref_ref: tests/test_pref_ref.c $(HDR) tests/t.h tests/data/pref_reference.txt | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_pref_dynamics: tests/test_pref_dynamics.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_dynamics: tests/test_dynamics.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_peers: tests/test_peers.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(OMP) $(2) -DLD_LLM_DOUBLE $$< -o $$@ $$(LDLIBS)
$(1)/test_peers_f: tests/test_peers.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(OMP) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_train: tests/test_train.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_io: tests/test_io.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_badinput: tests/test_badinput.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_api: tests/test_api.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_data: tests/test_data.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_families_f: tests/test_families.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(OMP) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_families_d: tests/test_families.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(OMP) $(2) -DLD_LLM_DOUBLE $$< -o $$@ $$(LDLIBS)
$(1)/test_tiny_gpt2_f: tests/test_tiny_gpt2.c $(HDR) tests/t.h tests/data/tiny_gpt2_ref.json | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_tiny_gpt2_d: tests/test_tiny_gpt2.c $(HDR) tests/t.h tests/data/tiny_gpt2_ref.json | $(1)
	$$(CC) $$(CFLAGS) $(2) -DLD_LLM_DOUBLE $$< -o $$@ $$(LDLIBS)
$(1)/test_threads: tests/test_threads.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -pthread $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_tokenizer: tests/test_tokenizer.c tests/tok_common.h $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_tokenizer_model: tests/test_tokenizer_model.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_tokenizer_live: tests/test_tokenizer_live.c tests/tok_common.h $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_determinism: tests/test_determinism.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_compile: tests/test_compile.c tests/impl.c $(HDR) | $(1)
	$$(CC) $$(CFLAGS) -Werror -DLD_NO_STDIO $(2) -c tests/impl.c -o $$@.nostdio.o
	$$(CC) $$(CFLAGS) -Werror $(2) tests/test_compile.c tests/impl.c -o $$@ $$(LDLIBS)
$(1)/test_compile_cpp: tests/test_compile.cpp $(HDR) | $(1)
	$$(CXX) $$(OPT) -Wall -Wextra -Werror -Wno-missing-field-initializers $(2) $$< -o $$@ $$(LDLIBS)
$(1)/ldllm: tools/ldllm.c $(HDR) | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_cli: tests/test_cli.sh $(1)/ldllm | $(1)
	cp tests/test_cli.sh $$@ && chmod +x $$@
$(1)/test_svg: tests/test_svg.c tools/svg.h tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -Werror $(2) $$< -o $$@ $$(LDLIBS)
$(1)/demo: tools/demo.c tools/demo_report.h tools/world.h tools/svg.h $(HDR) | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_demo: tests/test_demo.sh $(1)/demo $(1)/test_svg | $(1)
	cp tests/test_demo.sh $$@ && chmod +x $$@
$(1)/test_kernels: tests/test_kernels.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_kernels_scalar: tests/test_kernels.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) -DLD_NO_SIMD $$< -o $$@ $$(LDLIBS)
$(1)/test_kernels_double: tests/test_kernels.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) $(2) -DLD_LLM_DOUBLE $$< -o $$@ $$(LDLIBS)
$(1)/test_kernels_avx2: tests/test_kernels.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -march=x86-64-v3 $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_kernels_sse2: tests/test_kernels.c $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -march=x86-64 $(2) $$< -o $$@ $$(LDLIBS)
$(1)/test_readme: tests/test_readme.sh $(1)/ldllm | $(1)
	cp tests/test_readme.sh $$@ && chmod +x $$@
$(1)/test_static: tests/test_static.c tests/static2.c $(HDR) | $(1)
	$$(CC) $$(CFLAGS) -Werror $(2) tests/test_static.c tests/static2.c -o $$@ $$(LDLIBS)
# ld_llm_cuda.cu's host logic, with its CPU stand-in for the device (no GPU, no nvcc)
$(1)/ld_llm_cuda_fake.o: ld_llm_cuda.cu $(HDR) | $(1)
	$$(CXX) $$(OPT) -Wall -Wextra -Werror $(2) -x c++ -DLD_CUDA_FAKE -c $$< -o $$@
$(1)/ld_llm_cuda_fake_d.o: ld_llm_cuda.cu $(HDR) | $(1)
	$$(CXX) $$(OPT) -Wall -Wextra -Werror $(2) -x c++ -DLD_CUDA_FAKE -DLD_LLM_DOUBLE -c $$< -o $$@
$(1)/test_cuda_fake: tests/test_cuda.c $(1)/ld_llm_cuda_fake.o $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -Werror $(2) -c tests/test_cuda.c -o $$@.o
	$$(CXX) $(2) $$@.o $(1)/ld_llm_cuda_fake.o -o $$@ $$(LDLIBS)
$(1)/test_cuda_fake_double: tests/test_cuda.c $(1)/ld_llm_cuda_fake_d.o $(HDR) tests/t.h | $(1)
	$$(CC) $$(CFLAGS) -Werror $(2) -DLD_LLM_DOUBLE -c tests/test_cuda.c -o $$@.o
	$$(CXX) $(2) $$@.o $(1)/ld_llm_cuda_fake_d.o -o $$@ $$(LDLIBS)
endef
$(eval $(call TEST_RULES,$(B),$(OMP)))
$(eval $(call TEST_RULES,$(B)/asan,$(SAN)))

$(B) $(B)/asan $(B)/tmp $(B)/asan/tmp:
	mkdir -p $@

# make test and make test-asan build their programs JOBS at a time (one per
# core: compiling is most of their time), then run them one after another.
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
test: | $(B)/tmp
	@$(MAKE) --no-print-directory -j$(JOBS) $(addprefix $(B)/,$(TESTS))
	@sh tests/run.sh $(B)/tmp $(addprefix $(B)/,$(TESTS))

test-asan: | $(B)/asan/tmp
	@$(MAKE) --no-print-directory -j$(JOBS) $(addprefix $(B)/asan/,$(TESTS))
	@ASAN_OPTIONS=detect_leaks=1 sh tests/run.sh $(B)/asan/tmp $(addprefix $(B)/asan/,$(TESTS))

# libFuzzer harnesses for the file parsers (clang only; not part of make test).
# Run: build/fuzz_safetensors -max_total_time=300 CORPUS (see the files' comments).
fuzz: | $(B)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all tests/fuzz_safetensors.c -o $(B)/fuzz_safetensors -lm
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all tests/fuzz_config.c -o $(B)/fuzz_config -lm
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all tests/fuzz_tokenizer_json.c -o $(B)/fuzz_tokenizer_json -lm
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all tests/fuzz_tokenizer_encode.c -o $(B)/fuzz_tokenizer_encode -lm

# --- the optional GPU unit ---------------------------------------------------
# Needs the CUDA Toolkit (nvcc, cuBLAS); nothing else in the repo does.
NVCC      ?= nvcc
NVCCFLAGS ?= -O2
CUDA_LIBS := -lcublas -lcudart
$(B)/cuda:
	mkdir -p $@
$(B)/cuda/ld_llm_cuda.o: ld_llm_cuda.cu $(HDR) | $(B)/cuda
	$(NVCC) $(NVCCFLAGS) -c $< -o $@
$(B)/cuda/test_cuda: tests/test_cuda.c $(B)/cuda/ld_llm_cuda.o $(HDR) tests/t.h | $(B)/cuda
	$(CC) $(CFLAGS) $(OMP) -c tests/test_cuda.c -o $@.o
	$(NVCC) $(NVCCFLAGS) $(if $(OMP),-Xcompiler $(OMP)) $@.o $(B)/cuda/ld_llm_cuda.o -o $@ $(CUDA_LIBS) $(LDLIBS)
$(B)/cuda/bench_cuda: tools/bench_cuda.c tools/timing.h $(B)/cuda/ld_llm_cuda.o $(HDR) | $(B)/cuda
	$(NVCC) $(NVCCFLAGS) -x c -Xcompiler "$(OPT) $(OMP) -std=c99" -c tools/bench_cuda.c -o $@.o
	$(NVCC) $(NVCCFLAGS) $(if $(OMP),-Xcompiler $(OMP)) $@.o $(B)/cuda/ld_llm_cuda.o -o $@ $(CUDA_LIBS) $(LDLIBS)
cuda: $(B)/cuda/test_cuda $(B)/cuda/bench_cuda
test-cuda: $(B)/cuda/test_cuda | $(B)/tmp
	@sh tests/run.sh $(B)/tmp $(B)/cuda/test_cuda
bench-cuda: $(B)/cuda/bench_cuda
	./$(B)/cuda/bench_cuda

clean:
	rm -rf $(B)
