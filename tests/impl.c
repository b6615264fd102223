/* The one translation unit that holds the implementation for test_compile
   (also compiled with -DLD_NO_STDIO -Werror, to keep that build quiet). */
#define LD_LLM_IMPLEMENTATION
#include "../ld_llm.h"
