"""Public tests of multi-head attention (practice 7)."""
import pytest

from grader.testing import attention as ac

MISTAKES = ("scale_d_model", "no_scale", "view_no_transpose", "softmax_wrong_axis", "no_output_projection")


@pytest.mark.points(1)
def test_output_shape(student, reference, device):
    """forward maps (B, L, d_model) to (B, L, d_model), for sizes other than the template's."""
    ac.check_shape(student, reference, 2, 5, 5, 16, 4, device)


@pytest.mark.points(2)
def test_attention_weights(student, device):
    """self_attention is softmax(QKᵀ/√d_k)·V per head: rows sum to 1."""
    ac.check_weights(student, 2, 5, 5, 16, 4, device=device)


@pytest.mark.points(2)
def test_values_match_reference(student, reference, device):
    """Same weights as the reference (copied by name, else by structure), same output."""
    ac.check_values(student, reference, 2, 5, 5, 16, 4, device, names=MISTAKES)
