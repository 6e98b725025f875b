# Provisioning bundle: M-of-N signed allocation table updates (CMS SignedData).
add_library(proto_bundle STATIC
	${CMAKE_CURRENT_SOURCE_DIR}/bundle.c
	${CMAKE_CURRENT_SOURCE_DIR}/bundle_encode.c)
target_include_directories(proto_bundle PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_bundle PUBLIC proto_cms proto_alloc mbedx509 mbedcrypto)
