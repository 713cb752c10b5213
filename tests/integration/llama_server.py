"""`python -m llama_cpp.server` with llama.cpp's extra weight buffers (AMX/repack) turned off.

On Xeon CPUs with AMX in some VMs those buffers segfault prompt evaluation (the stock server
dies with exit code 139 on its first chat request here), and the server has no setting for
`use_extra_bufts`. This launcher applies the same patch as the product's llama.cpp backend for
the whole life of the process, then hands over to the stock server's `main()`; every flag
is the stock server's (`--model`, `--port`, `--embedding true`, `--config_file` ...).

    python tests/integration/llama_server.py --model MODEL.gguf --host 127.0.0.1 --port 8000

It does not start anything else, and is needed only on such CPUs.
"""

from __future__ import annotations

import llama_cpp
from llama_cpp.server.__main__ import main

from bot.backends.llamacpp import _extra_buffers

if __name__ == "__main__":
    with _extra_buffers(llama_cpp, enabled=False):
        main()
