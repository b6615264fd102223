/* The one translation unit that holds the implementation for test_compile. */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
