# bench_appliance: end-to-end load (list/issue at 1/4/16/64 children) against
# updown-appliance with SoftHSM in a network namespace it creates (root),
# next to the raw C_Sign rate; RSS with 10,000 children; binary size.
find_package(Threads REQUIRED)
add_executable(bench_appliance ${CMAKE_CURRENT_LIST_DIR}/bench_appliance.c
	${CMAKE_SOURCE_DIR}/tests/integration/appfix.c
	${CMAKE_SOURCE_DIR}/tests/firmware/engine/fixture.c)
target_include_directories(bench_appliance PRIVATE ${CMAKE_SOURCE_DIR}/tests
	${CMAKE_SOURCE_DIR}/tests/integration ${CMAKE_SOURCE_DIR}/tests/firmware
	${CMAKE_SOURCE_DIR}/tests/firmware/engine)
target_link_libraries(bench_appliance PRIVATE test_http_harness softhsm_fixture fw_engine
	fw_store crypto_pub crypto_cert crypto_csr crypto_signer proto_bundle proto_alloc
	proto_oob proto_updown proto_cms proto_res mbedx509 mbedcrypto PkgConfig::CMOCKA
	Threads::Threads)
target_compile_definitions(bench_appliance PRIVATE
	UPDOWN_APPLIANCE="$<TARGET_FILE:updown-appliance>"
	UPDOWN_RUN_REFEREES="${CMAKE_SOURCE_DIR}/tests/referees/run-referees")
add_dependencies(bench_appliance updown-appliance)
