from spiral_cli.cli.app import main

main()
