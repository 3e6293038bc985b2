fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let input = aws_auth_audit::inputs::manifest::InputFile { path: path.clone(), bytes };
    let result = aws_auth_audit::judge::check(&[input]).expect("judged");
    let text = aws_auth_audit::report::json::render(&result);
    println!("{}", text.len());
}
