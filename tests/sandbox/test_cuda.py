"""The GPU path: cells initialise CUDA after the fork, results come back on the CPU, nothing holds the GPU
afterwards. Skipped where no CUDA device is present (CI has none)."""
import json
import subprocess

import pytest
import torch

from conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


@pytest.mark.parametrize("name", ["mha", "masked_mha", "enc_dec_attention"])
def test_attention_samples_on_cuda(name, tmp_path):
    proc = run_cli("grade", ROOT / "submissions" / name, "--assignment", name, "--out", tmp_path, "--device", "cuda")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / name / "ana_course_globals" / "results.json").read_text())
    assert data["extra_data"]["device"] == "cuda" and data["score"] == data["extra_data"]["max_score"]
    apps = subprocess.run(["nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader"],
                          capture_output=True, text=True).stdout.strip()
    assert apps == "", f"processes still hold the GPU: {apps}"
