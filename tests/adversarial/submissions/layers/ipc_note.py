# Item 1: kernel objects that outlive a cell (SysV shm, message queue, semaphores, POSIX queue) carry a note.
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000


def leave(key):
    found = {}
    shm = libc.shmget(key, 1 << 20, IPC_CREAT | 0o666)
    if shm >= 0:
        libc.shmat.restype = ctypes.c_void_p
        addr = libc.shmat(shm, None, 0)
        ctypes.memmove(addr, b"NOTE-IN-SHM", 11)
        found["shm"] = shm
    found["msg"] = libc.msgget(key, IPC_CREAT | 0o666)
    found["sem"] = libc.semget(key, 1, IPC_CREAT | 0o666)
    libc.mq_open.restype = ctypes.c_int
    found["mq"] = libc.mq_open(f"/grader-note-{key}".encode(), os.O_CREAT | os.O_RDWR, 0o666, None)
    return found


def find(key):
    found = {}
    shm = libc.shmget(key, 0, 0)
    if shm >= 0:
        libc.shmat.restype = ctypes.c_void_p
        found["shm"] = ctypes.string_at(libc.shmat(shm, None, 0), 11).decode()
    if libc.msgget(key, 0) >= 0:
        found["msg"] = True
    if libc.semget(key, 0, 0) >= 0:
        found["sem"] = True
    if libc.mq_open(f"/grader-note-{key}".encode(), os.O_RDONLY) >= 0:
        found["mq"] = True
    return found


def names():
    """What the cell can learn about the host: its host name, its cgroup paths, its mount table."""
    with open("/proc/self/cgroup") as f:
        cgroups = f.read()
    with open("/proc/self/mountinfo") as f:
        mounts = f.read()
    return [os.uname().nodename, cgroups, mounts]
