# bench_signer: sign rates (1 and 2 threads) and key generation time of both
# signer backends, PKCS#11 on a SoftHSM token made in a temporary directory
# by the test fixture's code (compiled in, not linked as a test library).
find_package(Threads REQUIRED)
add_executable(bench_signer ${CMAKE_CURRENT_SOURCE_DIR}/bench_signer.c
	${CMAKE_SOURCE_DIR}/tests/crypto/softhsm_fixture.c)
target_include_directories(bench_signer PRIVATE ${CMAKE_SOURCE_DIR}/tests/crypto)
target_link_libraries(bench_signer PRIVATE crypto_signer mbedcrypto Threads::Threads)
