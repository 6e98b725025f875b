# RFC 3779 resource sets: set algebra, RFC 6492 text, canonical DER.
# Needs only mbed TLS's ASN.1 reader and writer (part of mbedcrypto).
add_library(proto_res STATIC
	${CMAKE_CURRENT_LIST_DIR}/res.c
	${CMAKE_CURRENT_LIST_DIR}/res_text.c
	${CMAKE_CURRENT_LIST_DIR}/res_der.c)
target_include_directories(proto_res PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_res PUBLIC mbedcrypto)
