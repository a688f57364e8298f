print("pvsites")
