"""The slides' worked examples as data (lecture §4 and §6), as printed on the slides."""
import numpy as np

from descend import examples


def test_example_a_is_the_four_points_of_the_slide():
    points = list(zip(examples.EXAMPLE_A_X, examples.EXAMPLE_A_Y, strict=True))
    assert points == [(2.0, 5.0), (1.0, 2.0), (3.0, 6.0), (4.0, 6.0)]
    assert (examples.EXAMPLE_A_ETA, examples.EXAMPLE_A_B1) == (0.1, 10.0)


def test_example_a_data_is_a_design_matrix_and_fresh_copies():
    X, y = examples.example_a_data()
    assert X.shape == (4, 1) and y.shape == (4,)
    assert float(X[:, 0] @ y) / float((X ** 2).sum()) == 54 / 30     # its least-squares slope Σxy/Σx²
    X[0, 0] = y[0] = -1.0
    again, y_again = examples.example_a_data()
    assert again[0, 0] == 2.0 and y_again[0] == 5.0


def test_example_b_is_the_network_of_the_slide():
    np.testing.assert_array_equal(examples.EXAMPLE_B_X, [[1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(examples.EXAMPLE_B_Y, [1.0, 0.0])
    assert examples.EXAMPLE_B_WEIGHTS == [0.3, 0.4, 0.2, 0.1, 0.1, 0.2]
    assert examples.EXAMPLE_B_ETA == 0.01
