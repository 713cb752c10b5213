"""The second look's cut: set on the refused dev negatives alone."""

import numpy as np

from tools.calibrate_gate import ABOVE, rescue_cut

SETS = np.array(["hard_out_of_scope", "out_of_scope", "paraphrase", "hard_out_of_scope", "hard_out_of_scope"])
SPLITS = np.array(["dev", "dev", "dev", "test", "dev"])


def test_the_cut_sits_just_above_every_refused_out_of_scope_dev_question():
    cosine = np.array([0.50, 0.40, 0.70, 0.90, 0.60])
    refused = np.array([True, True, True, True, False])  # the last was not refused: its cosine is not read

    cut, negatives = rescue_cut(cosine, refused, SETS, SPLITS)

    assert cut == round(0.50 + ABOVE, 4)
    assert negatives.tolist() == [True, True, False, False, False]
    assert cosine[2] >= cut  # the refused in-scope paraphrase is rescued; the test negative (0.9) did not count
