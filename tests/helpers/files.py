# Files and folders on both interpreters: MicroPython has os.stat, os.listdir,
# os.remove and os.rmdir, but no os.path or shutil.
import os


# True when path names a file or a folder.
def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


# Removes a file, if it is there.
def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


# Removes a file, or a folder and everything in it; nothing when path is missing.
def rmtree(path):
    try:
        mode = os.stat(path)[0]
    except OSError:
        return
    if mode & 0x4000:  # a folder
        for name in os.listdir(path):
            rmtree(path + '/' + name)
        os.rmdir(path)
    else:
        os.remove(path)


# An absolute folder for scratch files: /tmp where there is one (not on a board).
def temp_folder():
    return '/tmp' if exists('/tmp') else os.getcwd()
