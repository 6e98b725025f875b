# RFC 6492 up-down message codec (the XML inside the CMS): decode, check,
# encode, reply builders. Resource sets come from proto_res, base64 and
# SHA-1 (ski) from mbedcrypto.
add_library(proto_updown STATIC
	${CMAKE_CURRENT_LIST_DIR}/updown.c
	${CMAKE_CURRENT_LIST_DIR}/updown_encode.c)
target_include_directories(proto_updown PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_updown PUBLIC proto_xml proto_res mbedcrypto)
