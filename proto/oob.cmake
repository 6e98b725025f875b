# RFC 8183 out-of-band setup codec (child_request, parent_response,
# publisher_request, repository_response) and the UD-152 BPKI TA check.
add_library(proto_oob STATIC
	${CMAKE_CURRENT_SOURCE_DIR}/oob.c
	${CMAKE_CURRENT_SOURCE_DIR}/oob_ta.c)
target_include_directories(proto_oob PUBLIC ${PROTO_INCLUDE})
# mbedcrypto: base64 and ASN.1; mbedx509: the TA check (pulls mbedcrypto).
target_link_libraries(proto_oob PUBLIC proto_xml mbedx509 mbedcrypto)
