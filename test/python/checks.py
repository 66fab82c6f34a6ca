"""Pass/fail bookkeeping shared by the python checks (test_*.py): check() counts one check,
summary() prints the closing "N passed, M failed" line and returns the exit status, finish()
prints it and exits with that status (non-zero on any failure)."""
import sys

passed = failed = 0
verbose = False  # also print a line for every passing check


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        if verbose:
            print("ok   " + name)
    else:
        failed += 1
        print(f"FAIL {name}  {detail}")


def summary(prefix=""):
    print(f"{prefix}{passed} passed, {failed} failed")
    return 1 if failed else 0


def finish(prefix=""):
    sys.exit(summary(prefix))
