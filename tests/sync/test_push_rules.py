from sync.push import value_to_push


def test_channel_rule_holds_back_a_buffer_a_share_and_a_maximum() -> None:
    assert value_to_push(10, 0, 100, None, 100_000) == 10
    assert value_to_push(10, 2, 100, None, 100_000) == 8
    assert value_to_push(10, 0, 50, None, 100_000) == 5
    assert value_to_push(9, 0, 50, None, 100_000) == 4, "floor, never round up into an oversell"
    assert value_to_push(10, 2, 50, 3, 100_000) == 3
    assert value_to_push(1, 5, 100, None, 100_000) == 0, "never below zero"
    assert value_to_push(50_000, 0, 100, None, 10_000) == 10_000, "the platform's maximum"
