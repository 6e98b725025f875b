# The appliance configuration file (docs/configuration.md): parse, check,
# print; operator key files (SPKI or certificate) through mbed TLS.
add_library(proto_conf STATIC
	${CMAKE_CURRENT_LIST_DIR}/conf.c
	${CMAKE_CURRENT_LIST_DIR}/conf_parse.c
	${CMAKE_CURRENT_LIST_DIR}/conf_print.c)
target_include_directories(proto_conf PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_conf PUBLIC mbedx509 mbedcrypto)
