# proto/conf: the appliance configuration file (docs/configuration.md).
# Sample files in tests/proto/conf/.
updown_test(test_conf SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_conf.c LIBS proto_conf)
target_compile_definitions(test_conf PRIVATE CONF_SAMPLES="${CMAKE_CURRENT_LIST_DIR}/conf")
