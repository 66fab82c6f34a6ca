"""Pass/fail bookkeeping shared by the python checks (test_*.py): check() counts one check,
summary() prints the closing "N passed, M failed" line and returns the exit status, finish()
prints it and exits with that status (non-zero on any failure); unit_binary() finds the
unit-test binary that writes the fixtures some checks read."""
import os
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


def unit_binary():
    """$JETML_BIN/../test/jetml_unit; when it is missing, says so, prints the closing line of one
    failure and exits 1."""
    unit = os.path.join(os.environ["JETML_BIN"], "..", "test", "jetml_unit")
    if not os.path.exists(unit):
        print(f"jetml_unit not found at {unit}")
        print("0 passed, 1 failed")
        sys.exit(1)
    return unit
