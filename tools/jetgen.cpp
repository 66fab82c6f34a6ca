// placeholder, replaced below
#include "jetml/cli.hpp"
int main(int argc, char** argv) {
    return jetml::run_tool({"jetgen", "toy jets", ""}, argc, argv, [](jetml::tool& t) { t.parse(); });
}
