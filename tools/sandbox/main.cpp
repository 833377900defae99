// Placeholder until the sandbox lands (issue 5).
int main() { return 1; }
