#!/usr/bin/env python3
"""Reference renderings of conversational rows, for tests/test_data.c.

Renders the real Jinja chat templates of Llama-3-Instruct, Qwen2.5-Instruct
and SmolLM2-Instruct (and the ChatML example of the transformers docs) with
jinja2, set up as transformers' apply_chat_template sets it up
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, a tojson filter),
and splits each row into prompt and completion text as TRL does:

  prompt      the template on the prompt messages, with add_generation_prompt
              when the last is the user's, else continue_final_message
              (transformers: cut after the last occurrence of the final
              message's content, stripped)
  completion  the template on prompt + completion messages, past the prompt
  implicit    without a prompt, TRL's extract_prompt: the messages chosen and
              rejected begin with alike (the last index of the shorter when
              none differs)

Llama 3's leading bos_token is dropped from the text: ld_llm puts the
sequence's first token there instead (see ld_chat_template in ld_llm.h).

Writes, for each template NAME, tests/data/chat_NAME.jsonl and
chat_NAME_pref.jsonl (rows as users have them), chat_NAME_want.jsonl and
chat_NAME_pref_want.jsonl (the same rows as plain prompt/completion text, or
prompt/chosen/rejected), and tokenizer_config_NAME.json holding the template. Run once by hand:
    python3 tools/ref_chat_templates.py
Needs only jinja2 (Debian: python3-jinja2).
"""
import json
import os

from jinja2.sandbox import ImmutableSandboxedEnvironment

LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
          "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
SMOLLM2 = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
           "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
           "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
           "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
          "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
# Qwen2.5-Instruct's tokenizer_config.json "chat_template", JSON-decoded
QWEN2_5 = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        "
    "{{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are Qwen, created by Alibaba Cloud. You are a "
    "helpful assistant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist "
    "with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}"
    "\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    "
    "{{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        "
    "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or "
    "(message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}"
    "\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    "
    "{%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n        "
    "{%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n        "
    "{%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                "
    "{%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- '\\n<tool_call>\\n{\"name\": \"' }}"
    "\n            {{- tool_call.name }}\n            {{- '\", \"arguments\": ' }}\n            "
    "{{- tool_call.arguments | tojson }}\n            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        "
    "{{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if (loop.index0 == 0) or "
    "(messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    "
    "{{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n")

TEMPLATES = {"llama3": (LLAMA3, "<|begin_of_text|>"), "qwen2.5": (QWEN2_5, ""), "smollm2": (SMOLLM2, ""),
             "chatml": (CHATML, "")}

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)


def render(name, messages, gen, cont):
    src, bos = TEMPLATES[name]
    out = env.from_string(src).render(messages=messages, add_generation_prompt=gen, bos_token=bos, tools=None)
    if cont:
        final = messages[-1]["content"].strip()
        out = out[: out.rindex(final) + len(final)]
    if bos and out.startswith(bos):
        out = out[len(bos):]
    return out


def split(name, prompt, completion):
    last = prompt[-1]["role"]
    p = render(name, prompt, last == "user", last == "assistant")
    full = render(name, prompt + completion, False, False)
    assert full.startswith(p)
    return p, full[len(p):]


def extract(chosen, rejected):
    for idx in range(min(len(chosen), len(rejected))):
        if chosen[idx] != rejected[idx]:
            break
    return chosen[:idx], chosen[idx:], rejected[idx:]


def u(c): return {"role": "user", "content": c}
def a(c): return {"role": "assistant", "content": c}
def s(c): return {"role": "system", "content": c}


ROWS = [  # (prompt, completion)
    ([u("What colour is the sky?")], [a("It is blue.")]),
    ([s("Answer in one word."), u("Sky colour?")], [a("Blue")]),
    ([u("Hi"), a("Hello! How can I help?"), u("Name a fruit.")], [a("An apple.")]),
    ([u("  spaced out \n")], [a("\n  so am I  ")]),
    ([u("Write a greeting."), a("Sure, here it is: ")], [a("Hello there.")]),
    ([u("Café? ☕ 日本")], [a("Oui — 🙂")]),
]
PREF = [  # UltraFeedback-binarized: a text prompt beside conversational chosen/rejected
    ("What is 2+2?", [u("What is 2+2?"), a("4")], [u("What is 2+2?"), a("5")]),
    ("Hi", [s("Be brief."), u("Hi"), a("Hello.")], [s("Be brief."), u("Hi"), a("Go away.")]),
]

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
for name in TEMPLATES:
    with open(os.path.join(here, f"chat_{name}.jsonl"), "w") as f, \
         open(os.path.join(here, f"chat_{name}_want.jsonl"), "w") as g:
        for prompt, completion in ROWS:
            p, c = split(name, prompt, completion)
            f.write(json.dumps({"prompt": prompt, "completion": completion}, ensure_ascii=False) + "\n")
            g.write(json.dumps({"prompt": p, "completion": c}, ensure_ascii=False) + "\n")
    with open(os.path.join(here, f"chat_{name}_pref.jsonl"), "w") as f, \
         open(os.path.join(here, f"chat_{name}_pref_want.jsonl"), "w") as g:
        for text, chosen, rejected in PREF:
            prompt, ch, rj = extract(chosen, rejected)
            p, c = split(name, prompt, ch)
            p2, r = split(name, prompt, rj)
            assert p == p2
            f.write(json.dumps({"prompt": text, "chosen": chosen, "rejected": rejected, "score_chosen": 8.0},
                               ensure_ascii=False) + "\n")
            g.write(json.dumps({"prompt": p, "chosen": c, "rejected": r}, ensure_ascii=False) + "\n")
    # the template as a model's tokenizer_config.json holds it
    with open(os.path.join(here, f"tokenizer_config_{name}.json"), "w") as f:
        json.dump({"chat_template": TEMPLATES[name][0], "eos_token": "<|im_end|>"}, f, ensure_ascii=False, indent=2)
print("wrote", here)
