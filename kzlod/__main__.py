from kzlod.cli import main

main()
