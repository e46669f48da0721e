# Attack 10: HTML and terminal escapes in names, messages and output.
class Evil(Exception):
    pass


def build_bpe(corpus, max_vocab_size):
    print("<script>alert('owned')</script>\x1b[2J\x1b[31mRED\x1b]0;title\x07")
    raise Evil("<img src=x onerror=alert(1)> \x1b[1mbold")
