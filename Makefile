# jetml - thin wrapper over CMake. The real build is CMakeLists.txt.
#   make            build everything into build/
#   make demo       install missing Debian packages, build, run the W-tagging study on shipped data
#   make check      install missing packages, build, run every test (what CI runs)
#   make bench      build and run the benchmarks (writes CSV lines to stdout)
#   make install PREFIX=/opt/jetml
#   make sanitize   build and test with AddressSanitizer + UndefinedBehaviorSanitizer

PREFIX ?= /usr/local
BUILD  ?= build
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Warnings are errors in CI (CI=true is set there).
ifeq ($(CI),true)
CMAKE_FLAGS += -DJETML_WERROR=ON
endif

.PHONY: all deps configure build check test demo bench install sanitize clean

all: build

deps:
	@sh share/jetml/scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

check: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) sanitize

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

sanitize:
	$(MAKE) BUILD=build-asan CMAKE_FLAGS="$(CMAKE_FLAGS) -DJETML_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG='-O1 -g1' -DJETML_BENCH=OFF" build
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'python\.|bench'

demo: deps
	$(MAKE) build
	@sh share/jetml/examples/wtag-study.sh $(BUILD)/bin demo-output

bench:
	@sh share/jetml/scripts/install-deps.sh bench
	$(MAKE) build
	@sh test/bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf build build-asan
