;; Sharedness (the types of the shared-everything-threads proposal), as wspec validates it:
;; shared heap, composite and global types, their subtyping, and instructions that take
;; references of either sharedness. Threads are not executed; these functions run on one thread.

(module
  (type $s (shared (struct (field i32))))
  (type $a (shared (array (mut i32))))
  (type $u (struct (field (ref null $s))))

  ;; The sharedness of the result comes from the operand.
  (func (export "convert") (param (ref null (shared extern))) (result (ref null (shared any)))
    (any.convert_extern (local.get 0)))
  (func (export "back") (param (ref null (shared any))) (result (ref null (shared extern)))
    (extern.convert_any (local.get 0)))

  (func (export "i31") (param i32) (result i32)
    (i31.get_s (ref.i31_shared (local.get 0))))
  (func (export "eq") (result i32)
    (ref.eq (ref.i31_shared (i32.const 5)) (ref.i31_shared (i32.const 5))))
  (func (export "len") (result i32)
    (array.len (array.new $a (i32.const 0) (i32.const 3))))
  (func (export "field") (result i32)
    (struct.get $s 0 (struct.new $s (i32.const 42))))
  (func (export "null") (result i32)
    (ref.is_null (any.convert_extern (ref.null (shared noextern)))))

  ;; After `unreachable`, the bottom sharedness matches either use.
  (func (result (ref (shared any))) (unreachable) (any.convert_extern))
  (func (result (ref any)) (unreachable) (any.convert_extern))
  (func (param (ref null (shared eq))) (result i32) (unreachable) (local.get 0) (ref.eq))
  (func (param (ref null eq)) (result i32) (unreachable) (local.get 0) (ref.eq))
)

(assert_return (invoke "i31" (i32.const -1)) (i32.const -1))
(assert_return (invoke "eq") (i32.const 1))
(assert_return (invoke "len") (i32.const 3))
(assert_return (invoke "field") (i32.const 42))
(assert_return (invoke "null") (i32.const 1))

(assert_invalid
  (module (func (param (ref (shared extern))) (result (ref any)) (any.convert_extern (local.get 0))))
  "type mismatch")
(assert_invalid
  (module (func (param (ref extern)) (result (ref (shared any))) (any.convert_extern (local.get 0))))
  "type mismatch")
(assert_invalid
  (module (func (param (ref null (shared eq)) (ref null eq)) (result i32) (ref.eq (local.get 0) (local.get 1))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (any.convert_extern) (ref.null eq) (ref.eq)))
  "type mismatch")
(assert_invalid
  (module (type $s (shared (struct (field i32)))) (func (param (ref $s)) (result (ref struct)) (local.get 0)))
  "type mismatch")
(assert_invalid
  (module (func (param (ref null none)) (result (ref null (shared none))) (local.get 0)))
  "type mismatch")
(assert_invalid
  (module (type (shared (struct (field (ref null any))))))
  "shared composite type must contain shared types")
(assert_invalid
  (module (type $a (sub (shared (struct)))) (type (sub $a (struct))))
  "sub type 1 does not match super type")
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\01\05\01" "\65\65\5f\00")
  "malformed definition type")

;; Shared globals hold shared values only.
(module
  (global $g (shared mut i32) (i32.const 1))
  (global $r (shared (ref null (shared any))) (ref.null (shared none)))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
)
(assert_return (invoke "bump") (i32.const 2))
(assert_invalid
  (module (global (shared (ref null any)) (ref.null any)))
  "shared globals must have a shared value type")
(assert_invalid
  (module (global (shared mut funcref) (ref.null func)))
  "shared globals must have a shared value type")
