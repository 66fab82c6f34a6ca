// SPDX-License-Identifier: MIT
// The doctest runner for all unit tests; the tests themselves are in test_<module>.cpp.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
