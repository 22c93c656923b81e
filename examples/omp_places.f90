! MPI + OpenMP in Fortran, pinned from the first statement: hpcl_pin
! (module hpclaunch) comes before MPI_Init and before any OpenMP
! construct, and the OpenMP runtime still gets the plan's threads and
! places (see hpclaunch-fortran(3)).  Every OpenMP thread of every rank
! prints the line examples/omp_places.c prints:
!
!   host=a1 rank=1/4 local=1/2 thread=0/2 cpu=2 place=0 place_cpus=2
!   places={2},{3}
!
! (one line each).  Build:
!
!   mpifort -fopenmp omp_places.f90 $(pkg-config --cflags --libs hpclaunch-fortran)
program omp_places
    use, intrinsic :: iso_c_binding, only: c_int, c_char, c_size_t
    use hpclaunch
    use mpi
    use omp_lib
    implicit none
    interface
        integer(c_int) function sched_getcpu() bind(C, name='sched_getcpu')
            import :: c_int
        end function
        integer(c_int) function gethostname(name, len) &
                bind(C, name='gethostname')
            import :: c_int, c_char, c_size_t
            character(kind=c_char), intent(out) :: name(*)
            integer(c_size_t), value :: len
        end function
    end interface
    character(len=:), allocatable :: msg
    character(len=4096) :: places
    character(kind=c_char) :: cname(256)
    character(len=256) :: host
    integer :: ierr, rank, nranks, local, nlocal, i, t, nthreads
    ! Per thread, filled in the parallel region and printed after it:
    ! Fortran I/O stays out of the threads.
    integer, allocatable :: cpu(:), place(:), nids(:), ids(:, :)

    call hpcl_pin(ierr, msg)   ! first: before MPI_Init and before OpenMP
    if (ierr /= HPCL_OK) then
        ! End the job: a rank that stops before MPI_Init leaves the
        ! others waiting in theirs under srun.
        write (0, '(a)') 'omp_places: hpcl_pin: ' // hpcl_strerror(ierr) &
            // ': ' // msg
        call MPI_Init(ierr)
        call MPI_Abort(MPI_COMM_WORLD, 1, ierr)
    end if
    call MPI_Init(ierr)
    call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
    call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
    call hpcl_local_rank(local, nlocal, ierr)
    cname = char(0)
    host = ''
    if (gethostname(cname, int(size(cname) - 1, c_size_t)) == 0) then
        do i = 1, 255
            if (cname(i) == char(0) .or. cname(i) == '.') exit
            host(i:i) = cname(i)
        end do
    end if
    call get_environment_variable('OMP_PLACES', places)
    if (len_trim(places) == 0) places = '-'

    nthreads = omp_get_max_threads()
    allocate(cpu(0:nthreads - 1), place(0:nthreads - 1), &
             nids(0:nthreads - 1), ids(64, 0:nthreads - 1))
    nids = 0
    !$omp parallel private(t)
    t = omp_get_thread_num()
    cpu(t) = int(sched_getcpu())
    place(t) = omp_get_place_num()
    if (place(t) >= 0) then
        nids(t) = min(omp_get_place_num_procs(place(t)), size(ids, 1))
        call omp_get_place_proc_ids(place(t), ids(:, t))
    end if
    !$omp single
    nthreads = omp_get_num_threads()
    !$omp end single
    !$omp end parallel
    do t = 0, nthreads - 1
        write (*, '(a)') line(t)
    end do
    call MPI_Finalize(ierr)

contains

    ! n in decimal, no blanks.
    function str(n) result(s)
        integer, intent(in) :: n
        character(len=:), allocatable :: s
        character(len=16) :: buf
        write (buf, '(i0)') n
        s = trim(buf)
    end function

    ! Thread t's line: where it ran and its OpenMP place.
    function line(t) result(text)
        integer, intent(in) :: t
        character(len=:), allocatable :: text, cpus
        integer :: k

        cpus = '-'
        if (nids(t) > 0) cpus = str(ids(1, t))
        do k = 2, nids(t)
            cpus = cpus // ',' // str(ids(k, t))
        end do
        text = 'host=' // trim(host) // ' rank=' // str(rank) // '/' // &
            str(nranks) // ' local=' // str(local) // '/' // str(nlocal) &
            // ' thread=' // str(t) // '/' // str(nthreads) // ' cpu=' // &
            str(cpu(t)) // ' place=' // str(place(t)) // ' place_cpus=' &
            // cpus // ' places=' // trim(places)
    end function
end program omp_places
